/**
 * Finds the credentials to use, in the order AWS tools use: command-line flags, then the
 * environment, then the shared config/credentials files, then (on devices) the AWS IoT
 * credentials provider. An explicit --profile or IoT flag wins over the environment.
 */
import { parseKnownFiles } from "@smithy/shared-ini-file-loader";
import type { CredentialSource } from "../../core/aws/credential-cache.ts";
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { type IotCredentialSettings, iotCredentialSource } from "./iot-credentials-source.ts";
import { CredentialError } from "./credential-error.ts";

/** The credential flags (cli/credential-options.ts) as strings. */
export interface CredentialFlags {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
  iotCredentialEndpoint?: string;
  iotThingName?: string;
  iotRoleAlias?: string;
  iotCert?: string;
  iotPrivateKey?: string;
  iotCa?: string;
}

export type Env = Record<string, string | undefined>;

export { CredentialError } from "./credential-error.ts";

function staticSource(description: string, credentials: AwsCredentials): CredentialSource {
  return { description, load: () => Promise.resolve(credentials) };
}

/** Static keys from the flags or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. */
function keysSource(
  from: string,
  names: [string, string],
  id: string | undefined,
  secret: string | undefined,
  token: string | undefined,
  expiration?: string,
): CredentialSource | undefined {
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    throw new CredentialError(
      `${id ? names[1] : names[0]} is missing (${names.join(" and ")} go together)`,
    );
  }
  const expires = expiration ? new Date(expiration) : undefined;
  return staticSource(from, {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(token ? { sessionToken: token } : {}),
    ...(expires && !Number.isNaN(expires.getTime()) ? { expiration: expires } : {}),
  });
}

/** Credentials of a named profile, read through the AWS SDK's own ini loader each time. */
function profileSource(profile: string, env: Env): CredentialSource {
  const files = {
    filepath: env.AWS_SHARED_CREDENTIALS_FILE || undefined,
    configFilepath: env.AWS_CONFIG_FILE || undefined,
  };
  return {
    description: `profile ${profile}`,
    async load() {
      const profiles = await parseKnownFiles({ profile, ...files, ignoreCache: true });
      const p = profiles[profile];
      const where = `${files.filepath ?? "~/.aws/credentials"} or ${
        files.configFilepath ?? "~/.aws/config"
      }`;
      if (!p) {
        throw new CredentialError(`profile "${profile}" is not in ${where}`);
      }
      if (p.aws_access_key_id && p.aws_secret_access_key) {
        return {
          accessKeyId: p.aws_access_key_id,
          secretAccessKey: p.aws_secret_access_key,
          ...(p.aws_session_token ? { sessionToken: p.aws_session_token } : {}),
        };
      }
      const kind = [
        "role_arn",
        "sso_session",
        "sso_start_url",
        "credential_process",
        "web_identity_token_file",
      ]
        .find((k) => p[k] !== undefined);
      throw new CredentialError(
        kind
          ? `profile "${profile}" uses ${kind}, which kvsrtc does not support: give it ` +
            `aws_access_key_id/aws_secret_access_key, or use environment variables or AWS IoT`
          : `profile "${profile}" in ${where} has no aws_access_key_id/aws_secret_access_key`,
      );
    },
  };
}

/** Does the default (or AWS_PROFILE) profile exist with keys? Used only to choose a source. */
async function profileHasKeys(profile: string, env: Env): Promise<boolean> {
  try {
    const profiles = await parseKnownFiles({
      profile,
      filepath: env.AWS_SHARED_CREDENTIALS_FILE || undefined,
      configFilepath: env.AWS_CONFIG_FILE || undefined,
      ignoreCache: true,
    });
    return profiles[profile] !== undefined;
  } catch {
    return false;
  }
}

function iotSettings(
  flags: CredentialFlags,
  env: Env,
  explicit: boolean,
): IotCredentialSettings | undefined {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const settings = {
    endpoint: pick(flags.iotCredentialEndpoint, "AWS_IOT_CORE_CREDENTIAL_ENDPOINT"),
    thingName: pick(flags.iotThingName, "AWS_IOT_CORE_THING_NAME"),
    roleAlias: pick(flags.iotRoleAlias, "AWS_IOT_CORE_ROLE_ALIAS"),
    certPath: pick(flags.iotCert, "AWS_IOT_CORE_CERT"),
    privateKeyPath: pick(flags.iotPrivateKey, "AWS_IOT_CORE_PRIVATE_KEY"),
  };
  const names: Record<keyof typeof settings, string> = {
    endpoint: "--iot-credential-endpoint / AWS_IOT_CORE_CREDENTIAL_ENDPOINT",
    thingName: "--iot-thing-name / AWS_IOT_CORE_THING_NAME",
    roleAlias: "--iot-role-alias / AWS_IOT_CORE_ROLE_ALIAS",
    certPath: "--iot-cert / AWS_IOT_CORE_CERT",
    privateKeyPath: "--iot-private-key / AWS_IOT_CORE_PRIVATE_KEY",
  };
  const given = Object.values(settings).filter((v) => v !== undefined).length;
  if (given === 0 || (!explicit && given < 5 && !settings.endpoint)) return undefined;
  const missing = (Object.keys(settings) as (keyof typeof settings)[]).filter((k) => !settings[k]);
  if (missing.length > 0) {
    throw new CredentialError(
      `AWS IoT credentials need ${missing.map((k) => names[k]).join(", ")}`,
    );
  }
  return {
    endpoint: settings.endpoint!,
    thingName: settings.thingName!,
    roleAlias: settings.roleAlias!,
    certPath: settings.certPath!,
    privateKeyPath: settings.privateKeyPath!,
    caPath: flags.iotCa ?? (env.AWS_IOT_CORE_CA_CERT || env.AWS_KVS_CACERT_PATH || undefined),
  };
}

/**
 * The credential source these flags and this environment select, or undefined when there are
 * none at all (the caller then uses the local endpoint, or says credentials are missing).
 */
export async function findCredentialSource(
  flags: CredentialFlags,
  env: Env,
): Promise<CredentialSource | undefined> {
  const fromFlags = keysSource(
    "--access-key-id",
    ["--access-key-id", "--secret-access-key"],
    flags.accessKeyId,
    flags.secretAccessKey,
    flags.sessionToken,
  );
  if (fromFlags) return fromFlags;
  if (flags.sessionToken) {
    throw new CredentialError(
      "--session-token needs --access-key-id and --secret-access-key",
    );
  }
  if (flags.profile) return profileSource(flags.profile, env);
  const iotFlagsGiven = [
    flags.iotCredentialEndpoint,
    flags.iotThingName,
    flags.iotRoleAlias,
    flags.iotCert,
    flags.iotPrivateKey,
  ]
    .some((v) => v !== undefined);
  if (iotFlagsGiven) return iotCredentialSource(iotSettings(flags, env, true)!);
  const fromEnv = keysSource(
    "environment (AWS_ACCESS_KEY_ID)",
    ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    env.AWS_ACCESS_KEY_ID || undefined,
    env.AWS_SECRET_ACCESS_KEY || undefined,
    env.AWS_SESSION_TOKEN || undefined,
    env.AWS_CREDENTIAL_EXPIRATION,
  );
  if (fromEnv) return fromEnv;
  if (env.AWS_PROFILE) return profileSource(env.AWS_PROFILE, env);
  const iot = iotSettings(flags, env, false);
  if (iot) return iotCredentialSource(iot);
  if (await profileHasKeys("default", env)) return profileSource("default", env);
  return undefined;
}
