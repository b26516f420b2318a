/**
 * Everything a master or viewer does before WebRTC starts: credentials -> describe (or create)
 * the channel -> get the signaling endpoints -> get the ICE server config -> open the signaling
 * WebSocket, each phase marked on the connection timer. The session keeps the ICE server config
 * fresh (before its TTL runs out, and when the service sends RECONNECT_ICE_SERVER).
 */
import type { ConnectionTimer, Phase } from "../../core/metrics/connection-timer.ts";
import { presignSignalingUrl } from "../../core/aws/sigv4.ts";
import { type Log, silentLog } from "../../core/log.ts";
import type { IceServer, KvsClient, SignalingEndpoints, SignalingRole } from "./kvs-client.ts";
import { SignalingClient, type SignalingClientOptions } from "./signaling-client.ts";
import { kvsClientFor, type KvsTarget } from "./target.ts";

export interface OpenSignalingOptions {
  target: KvsTarget;
  channel: string;
  role: SignalingRole;
  /** Viewers only (a random one is made when absent); a master has none. */
  clientId?: string;
  /** Create the channel when it does not exist. */
  createChannel?: boolean;
  /** Also look up the WEBRTC endpoint, for storage sessions. */
  storage?: boolean;
  timer?: ConnectionTimer;
  log?: Log;
  /** Reconnect and renewal knobs of the signaling client (tests shorten them). */
  signaling?: Partial<Omit<SignalingClientOptions, "signedUrl" | "description" | "log">>;
}

export interface SignalingSession {
  channelArn: string;
  /** The viewer's client id; undefined for a master. */
  clientId?: string;
  /** The current ICE servers (STUN first, then TURN); refreshed in the background. */
  readonly iceServers: IceServer[];
  /**
   * How long the newest GetIceServerConfig took: one HTTPS round trip to the signaling
   * service, an upper bound on its network round trip (it includes the service's work).
   */
  readonly signalingRoundTripMs: number;
  signaling: SignalingClient;
  kvs: KvsClient;
  readonly endpoints: SignalingEndpoints;
  refreshIceServers(): Promise<IceServer[]>;
  /** JoinStorageSession (or ...AsViewer): the storage peer then sends an offer. Needs `storage`. */
  joinStorageSession(): Promise<void>;
  close(): void;
}

/** Seconds before the TURN credentials expire at which they are fetched again. */
const iceRefreshMarginSeconds = 30;

async function phase<T>(timer: ConnectionTimer | undefined, name: Phase, work: () => Promise<T>) {
  timer?.start(name);
  const result = await work();
  timer?.end(name);
  return result;
}

function randomClientId(): string {
  return `viewer-${crypto.randomUUID().slice(0, 8)}`;
}

export async function openSignaling(options: OpenSignalingOptions): Promise<SignalingSession> {
  const { target, role, timer } = options;
  const log = options.log ?? silentLog;
  if (role === "MASTER" && options.clientId !== undefined) {
    throw new Error("a master connects without a client id");
  }
  const clientId = role === "VIEWER" ? options.clientId ?? randomClientId() : undefined;
  if (
    clientId !== undefined && (!/^[a-zA-Z0-9_.-]{1,256}$/.test(clientId) || /^aws_/i.test(clientId))
  ) {
    throw new Error(
      `client id "${clientId}" must be 1-256 of a-z A-Z 0-9 _ . - and not start with AWS_`,
    );
  }
  const kvs = kvsClientFor(target, log);
  if (!options.storage) {
    timer?.skip("joinStorageSession", "no storage session");
    timer?.skip("storageOffer", "no storage session");
  }
  await phase(timer, "getCredentials", () => target.credentials.get());
  const channel = await phase(
    timer,
    "describeChannel",
    () => kvs.describeOrCreateChannel(options.channel, options.createChannel ?? false),
  );
  const channelArn = channel.channelArn;
  let endpoints = await phase(
    timer,
    "getSignalingEndpoints",
    () => kvs.getSignalingEndpoints(channelArn, role, options.storage ?? false),
  );

  let iceServers: IceServer[] = [];
  let iceTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let roundTripMs = 0;
  const refreshIceServers = async () => {
    const sentAt = performance.now();
    const config = await kvs.getIceServerConfig(endpoints.https, channelArn, clientId);
    roundTripMs = performance.now() - sentAt;
    iceServers = [...(target.stunUrl ? [{ urls: [target.stunUrl] }] : []), ...config.iceServers];
    if (iceTimer) clearTimeout(iceTimer);
    if (config.ttlSeconds !== undefined && !closed) {
      const inSeconds = Math.max(5, config.ttlSeconds - iceRefreshMarginSeconds);
      iceTimer = setTimeout(() => {
        refreshIceServers().catch((err) => {
          log.warn(`could not refresh the ICE server config (will retry): ${err.message}`);
          iceTimer = setTimeout(() => refreshIceServers().catch(() => {}), 10_000);
        });
      }, inSeconds * 1000);
    }
    return iceServers;
  };
  await phase(timer, "getIceServerConfig", refreshIceServers);

  const description = `${role.toLowerCase()}${
    clientId ? ` ${clientId}` : ""
  } on channel ${options.channel}`;
  const signaling = new SignalingClient({
    ...options.signaling,
    description,
    log,
    signedUrl: async (refreshEndpoints) => {
      const credentials = await target.credentials.get();
      if (refreshEndpoints) {
        endpoints = await kvs.getSignalingEndpoints(channelArn, role, options.storage ?? false);
      }
      return presignSignalingUrl({
        endpoint: endpoints.wss,
        channelArn,
        clientId,
        credentials,
        region: target.region,
        date: target.clock.now(),
        expiresInSeconds: 299,
      });
    },
  });
  signaling.on("reconnectIceServer", () => {
    refreshIceServers().catch((err) =>
      log.warn(`could not refresh the ICE server config after RECONNECT_ICE_SERVER: ${err.message}`)
    );
  });
  try {
    await phase(timer, "connectWebSocket", () => signaling.connect());
  } catch (err) {
    if (iceTimer) clearTimeout(iceTimer);
    throw err;
  }
  log.debug(`signaling: ${description} connected to ${target.description}`);

  return {
    channelArn,
    clientId,
    get iceServers() {
      return iceServers;
    },
    get signalingRoundTripMs() {
      return roundTripMs;
    },
    signaling,
    kvs,
    get endpoints() {
      return endpoints;
    },
    refreshIceServers,
    async joinStorageSession() {
      if (!endpoints.webrtc) {
        throw new Error("openSignaling was not asked for storage: no WEBRTC endpoint");
      }
      // From the call to the storage peer's offer, which the master marks (the offer may come
      // before the call's response).
      timer?.start("storageOffer");
      await phase(
        timer,
        "joinStorageSession",
        () => kvs.joinStorageSession(endpoints.webrtc!, channelArn, clientId),
      );
    },
    close() {
      closed = true;
      if (iceTimer) clearTimeout(iceTimer);
      signaling.close();
    },
  };
}
