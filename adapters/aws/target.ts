/**
 * Which KVS to talk to: AWS in a region, a KVS-compatible endpoint given by URL, or (with no
 * region and no endpoint) the local endpoint embedded in this process. Whatever it is, the same
 * client code talks to it with the same credentials cache and the same clock correction.
 */
import { ClockSkew } from "../../core/aws/clock-skew.ts";
import { CredentialCache } from "../../core/aws/credential-cache.ts";
import { controlPlaneUrl, isRegionName, stunUrl } from "../../core/aws/endpoints.ts";
import { type Log, silentLog } from "../../core/log.ts";
import {
  CredentialError,
  type CredentialFlags,
  type Env,
  findCredentialSource,
} from "./credential-chain.ts";
import { KvsClient } from "./kvs-client.ts";
import type { LocalEndpoint, LocalEndpointOptions } from "../local/mod.ts";

export interface TargetSettings {
  region?: string;
  endpointUrl?: string;
  credentials?: CredentialFlags;
}

export interface KvsTarget {
  kind: "aws" | "endpoint" | "embedded";
  region: string;
  controlPlaneUrl: string;
  credentials: CredentialCache;
  /** Corrects the signing time; shared by every call and presigned URL to this target. */
  clock: ClockSkew;
  /** A STUN server to add to the ICE servers (AWS's regional one); the others list their own. */
  stunUrl?: string;
  /** "AWS us-west-2", "the local endpoint http://127.0.0.1:4566": for messages. */
  description: string;
  /** The embedded endpoint, when this process started one. */
  localEndpoint?: LocalEndpoint;
  /** Stops the embedded endpoint, if any. */
  close(): Promise<void>;
}

export interface ResolveTargetOptions {
  log?: Log;
  env?: Env;
  /** For the embedded endpoint (tests set short limits here). */
  localEndpoint?: LocalEndpointOptions;
  /** The device clock; tests give a wrong one. */
  deviceNow?: () => number;
}

function isLoopbackUrl(url: URL): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
}

export async function resolveTarget(
  settings: TargetSettings,
  options: ResolveTargetOptions = {},
): Promise<KvsTarget> {
  const log = options.log ?? silentLog;
  const env = options.env ?? process.env;
  const clock = new ClockSkew(options.deviceNow);
  const cache = (source: ConstructorParameters<typeof CredentialCache>[0]) =>
    new CredentialCache(source, {
      onRefreshError: (err, from) =>
        log.warn(`could not refresh the credentials from ${from} (will retry): ${err.message}`),
    });
  const source = await findCredentialSource(settings.credentials ?? {}, env);

  if (settings.region === undefined && settings.endpointUrl === undefined) {
    const { startLocalEndpoint } = await import("../local/mod.ts");
    const local = await startLocalEndpoint(options.localEndpoint);
    log.info(
      `no --region given: using the embedded local KVS endpoint at ${local.url} (region ${local.region})`,
    );
    return {
      kind: "embedded",
      region: local.region,
      controlPlaneUrl: local.url,
      credentials: cache({
        description: "the embedded endpoint's local pair",
        load: () => Promise.resolve({ ...local.credentials }),
      }),
      clock,
      description: `the local endpoint ${local.url}`,
      localEndpoint: local,
      close: () => local.stop(),
    };
  }

  const region = settings.region ?? "us-west-2";
  if (!isRegionName(region)) {
    throw new CredentialError(
      `--region "${region}" is not an AWS region name (like us-west-2)`,
    );
  }
  if (settings.endpointUrl !== undefined) {
    const url = new URL(settings.endpointUrl);
    let credentials = source;
    if (!credentials && isLoopbackUrl(url)) {
      const { localCredentialPair } = await import("../local/mod.ts");
      credentials = {
        description: "the local endpoint's documented pair",
        load: () => Promise.resolve({ ...localCredentialPair }),
      };
    }
    if (!credentials) throw noCredentials(`the endpoint ${url.origin}`);
    return {
      kind: "endpoint",
      region,
      controlPlaneUrl: url.href.replace(/\/+$/, ""),
      credentials: cache(credentials),
      clock,
      description: `the endpoint ${url.origin}`,
      close: () => Promise.resolve(),
    };
  }
  if (!source) throw noCredentials(`AWS ${region}`);
  return {
    kind: "aws",
    region,
    controlPlaneUrl: controlPlaneUrl(region),
    credentials: cache(source),
    clock,
    stunUrl: stunUrl(region),
    description: `AWS ${region}`,
    close: () => Promise.resolve(),
  };
}

function noCredentials(where: string): CredentialError {
  return new CredentialError(
    `no AWS credentials found for ${where}: give --access-key-id and --secret-access-key, ` +
      `--profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in ~/.aws, or the AWS IoT ` +
      `settings (--iot-credential-endpoint ...); or leave out --region to use the local endpoint`,
  );
}

/** A control-plane client for the target. */
export function kvsClientFor(target: KvsTarget, log?: Log): KvsClient {
  return new KvsClient({
    controlPlaneUrl: target.controlPlaneUrl,
    region: target.region,
    credentials: target.credentials,
    clock: target.clock,
    log,
  });
}
