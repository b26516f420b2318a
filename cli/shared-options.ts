import type { Options, Values } from "./command.ts";
import { UsageError } from "./command.ts";
import { credentialFlags, credentialOptions } from "./credential-options.ts";
import type { CredentialFlags } from "../adapters/aws/credential-chain.ts";

/** Flags every KVS-facing command takes, following AWS CLI conventions. */
export const sharedOptions: Options = {
  region: {
    type: "string",
    arg: "REGION",
    help: "AWS region (else AWS_REGION / AWS_DEFAULT_REGION); none: the embedded local endpoint",
  },
  "endpoint-url": {
    type: "string",
    arg: "URL",
    help: "KVS control-plane URL (else AWS_ENDPOINT_URL_KINESIS_VIDEO / AWS_ENDPOINT_URL)",
  },
  channel: { type: "string", arg: "NAME", help: "signaling channel name (default: kvsrtc)" },
  "log-level": {
    type: "string",
    arg: "LEVEL",
    help: "error | warn | info | debug (default: info)",
  },
  json: { type: "boolean", help: "print results as JSON lines" },
  ...credentialOptions,
};

export const helpOption: Options = {
  help: { type: "boolean", short: "h", help: "show this help" },
};

export const logLevels = ["error", "warn", "info", "debug"] as const;
export type LogLevel = typeof logLevels[number];

export interface SharedSettings {
  region?: string;
  endpointUrl?: string;
  channel: string;
  logLevel: LogLevel;
  json: boolean;
  credentials: CredentialFlags;
}

type Env = Record<string, string | undefined>;

export function sharedSettings(values: Values, env: Env = process.env): SharedSettings {
  const logLevel = (values["log-level"] as string | undefined) ?? "info";
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${logLevels.join(", ")}, not "${logLevel}"`);
  }
  const channel = (values.channel as string | undefined) ?? "kvsrtc";
  if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(channel)) {
    throw new UsageError(
      `--channel "${channel}" is not a valid channel name (1-256 of a-z A-Z 0-9 _ . -)`,
    );
  }
  const endpointUrl = (values["endpoint-url"] as string | undefined) ??
    (env.AWS_ENDPOINT_URL_KINESIS_VIDEO || env.AWS_ENDPOINT_URL || undefined);
  if (endpointUrl !== undefined && !URL.canParse(endpointUrl)) {
    throw new UsageError(`--endpoint-url "${endpointUrl}" is not a URL`);
  }
  if (endpointUrl !== undefined && !/^https?:$/.test(new URL(endpointUrl).protocol)) {
    throw new UsageError(`--endpoint-url "${endpointUrl}" must be an http:// or https:// URL`);
  }
  return {
    region: (values.region as string | undefined) ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION ||
      undefined),
    endpointUrl,
    channel,
    logLevel: logLevel as LogLevel,
    json: values.json === true,
    credentials: credentialFlags(values),
  };
}
