/**
 * The local KVS-compatible endpoint, started in-process: `kvsrtc serve` runs it alone and the
 * other commands embed it when no region and no AWS credentials are given.
 */
import { runtime } from "../runtime/mod.ts";
import { Registry } from "../../core/local-endpoint/registry.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import { openFragmentLog } from "./fragment-log.ts";
import {
  awsRelayLimits,
  type RelayLimits,
  SignalingRelay,
} from "../../core/local-endpoint/signaling-relay.ts";
import type { TurnSettings } from "../../core/local-endpoint/ice-servers.ts";
import { createApp } from "./app.ts";
import { SessionTokens } from "../../core/archived-media/session-tokens.ts";
import { sessionPlayback } from "./services/session-playback.ts";
import { loadState, saveState } from "./state-file.ts";
import { startStunServer } from "./stun-server.ts";
import { StorageSessions } from "./storage/storage-sessions.ts";
import { GetMediaLimits } from "../../core/fragments/get-media-limits.ts";
import { PutMediaAdmission } from "../../core/local-endpoint/put-media-admission.ts";
import { defaultStorageSessionMaxMs } from "./storage/storage-session.ts";
import type { Log } from "../../core/log.ts";
import { isLoopbackAddress, pageRoutes } from "./page/routes.ts";
import {
  type IotCredentialsEndpointOptions,
  startIotCredentialsEndpoint,
} from "./iot-credentials.ts";

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The documented local credential pair: what the endpoint accepts when none is given. It is
 * public, so the endpoint refuses to use it on anything but a loopback address.
 */
export const localCredentialPair: LocalCredentials = {
  accessKeyId: "KVSRTCLOCALACCESSKEY",
  secretAccessKey: "kvsrtc/local/endpoint/loopback/only",
};

export const defaultRegion = "us-west-2";

/** How often fragments past their stream's retention are dropped. */
const retentionCheckMs = 60_000;

export interface LocalEndpointOptions {
  /** Address to bind (default 127.0.0.1). Anything but loopback needs `credentials`. */
  hostname?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** PEM text of the certificate and key: the endpoint then speaks https/wss. */
  tls?: { cert: string; key: string };
  /** Keep channels, streams and the streams' fragments here across restarts. */
  dataDir?: string;
  /** Bytes of fragments held over all streams (default defaultStoreMaxBytes). */
  storeMaxBytes?: number;
  region?: string;
  credentials?: LocalCredentials;
  turn?: TurnSettings;
  limits?: Partial<RelayLimits>;
  /** TEST ONLY: one-way delay, ms, added to every relayed signaling message. */
  testSignalingDelayMs?: number;
  /** Where a signaling client refused or cut off at a bound is reported (default: stderr). */
  onWarning?: (line: string) => void;
  /** A storage session ends after this long (default one hour, as AWS's). */
  storageSessionMaxMs?: number;
  /** Where the storage sessions say what they do (default: warnings and errors to onWarning). */
  log?: Log;
  /** UDP port of the STUN server (default: a free one). */
  stunPort?: number;
  /** Also run the AWS IoT credentials provider (mutual TLS); its credentials work here. */
  iot?: Omit<IotCredentialsEndpointOptions, "acceptedCredentials" | "hostname">;
}

export interface LocalEndpoint {
  /** The control-plane URL, e.g. http://127.0.0.1:PORT (no port for https on 443). */
  url: string;
  region: string;
  credentials: LocalCredentials;
  stunUrl: string;
  /** https URL of the IoT credentials provider, when `iot` was given. */
  iotCredentialsUrl?: string;
  /** GO_AWAY to every signaling client, close them after `graceMs` (default 100), stop serving. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Test hook: close one client's signaling WebSocket (the master when clientId is omitted). */
  testDropClient(channelArn: string, clientId?: string): void;
  /** Test hook: send GO_AWAY to every client of a channel (all channels when omitted). */
  testSendGoAway(channelArn?: string, graceMs?: number): void;
  /** Test hook: the store PutMedia writes and the read-back APIs serve, to look at what was stored. */
  testFragments: FragmentStore;
  /** What the data endpoint (GetDataEndpoint's answer) serves, for `serve` to print. */
  streamOperations: readonly string[];
}

/** Where clients on this machine reach an address the server is bound to. */
function reachableHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "") return "127.0.0.1";
  if (hostname === "::") return "[::1]";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

export async function startLocalEndpoint(
  options: LocalEndpointOptions = {},
): Promise<LocalEndpoint> {
  const hostname = options.hostname ?? "127.0.0.1";
  if (!options.credentials && !isLoopbackAddress(hostname)) {
    throw new Error(
      `binding ${hostname} needs explicit credentials: the documented local pair is accepted on ` +
        "loopback addresses only (give --access-key-id and --secret-access-key, or set " +
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
    );
  }
  const region = options.region ?? defaultRegion;
  const credentials = options.credentials ?? localCredentialPair;
  const { dataDir } = options;
  const registry = new Registry(region, dataDir ? loadState(dataDir) : undefined);
  if (dataDir) registry.onChange = () => saveState(dataDir, registry.snapshot());
  const relay = new SignalingRelay({ ...awsRelayLimits, ...options.limits });
  relay.testDelayMs = options.testSignalingDelayMs ?? 0;
  registry.onChannelDeleted = (channel) => relay.dropChannel(channel.arn);
  const onWarning = options.onWarning ?? ((line) => console.error(line));
  relay.onWarning = onWarning;
  const fragmentLog = dataDir ? openFragmentLog(dataDir, { onWarning }) : undefined;
  const fragments = new FragmentStore(Date.now, {
    maxBytes: options.storeMaxBytes,
    retentionHours: (arn) => registry.findStream(arn)?.dataRetentionInHours,
    onWarning,
    log: fragmentLog?.log,
    recovered: fragmentLog?.recovered,
  });
  // Fragments of a stream deleted just before a crash, which the log could not remove yet.
  for (const streamArn of new Set(fragmentLog?.recovered.map((r) => r.streamArn))) {
    if (!registry.findStream(streamArn)) fragments.deleteStream(streamArn);
  }
  registry.onStreamDeleted = (stream) => fragments.deleteStream(stream.arn);

  const stun = await startStunServer(
    hostname === "localhost" ? "127.0.0.1" : hostname,
    options.stunPort,
  );
  const storage = new StorageSessions({
    relay,
    registry,
    fragments,
    iceServers: [{ urls: [`stun:${reachableHost(hostname)}:${stun.port}`] }],
    // Every peer of a loopback endpoint runs on this machine (as in iceBindAddress).
    bindAddress: isLoopbackAddress(hostname) ? "127.0.0.1" : undefined,
    maxDurationMs: options.storageSessionMaxMs ?? defaultStorageSessionMaxMs,
    log: options.log ?? {
      debug() {},
      info() {},
      warn: (line) => onWarning(`local endpoint: ${line}`),
      error: (line) => onWarning(`local endpoint: ${line}`),
    },
  });
  const pages = pageRoutes({ region, credentials });
  const accepted = new Map([[credentials.accessKeyId, credentials]]);
  const stopped = new AbortController();
  const app = createApp({
    region,
    registry,
    relay,
    fragments,
    storage,
    stopping: stopped.signal,
    playbackSessions: new SessionTokens(),
    putMediaAdmission: new PutMediaAdmission(),
    getMediaLimits: new GetMediaLimits(),
    credentials: accepted,
    stunPort: stun.port,
    turn: options.turn,
    localSecret: crypto.randomUUID(),
  }, [pages, sessionPlayback]);
  let server;
  try {
    server = await (await runtime()).serve({
      hostname,
      port: options.port ?? 0,
      tls: options.tls,
      maxWebSocketMessageBytes: relay.limits.maxMessageBytes,
      fetch: (req, conn) => app.fetch(req, { conn }),
    });
  } catch (error) {
    await stun.close();
    throw error;
  }
  const iot = options.iot &&
    await startIotCredentialsEndpoint({ ...options.iot, hostname, acceptedCredentials: accepted });

  const scheme = options.tls ? "https" : "http";
  const defaultPort = options.tls ? 443 : 80;
  const host = reachableHost(hostname);
  const url = `${scheme}://${host}${server.port === defaultPort ? "" : `:${server.port}`}`;
  const retentionTimer = setInterval(() => fragments.dropExpired(), retentionCheckMs);
  let stopping: Promise<void> | undefined;
  return {
    url,
    region,
    credentials,
    stunUrl: `stun:${host}:${stun.port}`,
    ...(iot ? { iotCredentialsUrl: iot.url } : {}),
    stop({ graceMs = 100 } = {}) {
      stopping ??= (async () => {
        stopped.abort();
        storage.stopAll("the endpoint is stopping");
        await relay.shutdown(graceMs);
        await server.stop();
        await stun.close();
        await iot?.stop();
        clearInterval(retentionTimer);
        await fragmentLog?.log.close();
      })();
      return stopping;
    },
    testDropClient(channelArn, clientId) {
      relay.connections(channelArn)
        .find((c) => (clientId === undefined ? c.role === "MASTER" : c.clientId === clientId))
        ?.close(4000, "Dropped by a test");
    },
    testFragments: fragments,
    streamOperations: [
      "GetMedia",
      "ListFragments",
      "GetMediaForFragmentList",
      "GetHLSStreamingSessionURL",
      "GetDASHStreamingSessionURL",
      "GetClip",
    ],
    testSendGoAway(channelArn, graceMs) {
      for (const connection of relay.connections(channelArn)) connection.goAway(graceMs);
    },
  };
}
