/**
 * The KVS calls a WebRTC client makes: describe (or create) the signaling channel, get its
 * endpoints, get the ICE server config, join a storage session. Errors are KvsErrors whose
 * messages a user can act on ("channel X not found in us-west-2").
 */
import { KvsError } from "../../core/aws/errors.ts";
import { callKvs, type KvsHttpOptions } from "./kvs-http.ts";

export type SignalingRole = "MASTER" | "VIEWER";

export interface ChannelInfo {
  channelName: string;
  channelArn: string;
  channelType: string;
  channelStatus: string;
}

export interface SignalingEndpoints {
  /** wss:// (ws:// for a local endpoint) */
  wss: string;
  https: string;
  /** Only when asked for (storage sessions). */
  webrtc?: string;
}

/** As RTCPeerConnection and node-datachannel take them. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceServerConfig {
  iceServers: IceServer[];
  /** Seconds until the TURN credentials stop working (the shortest Ttl); undefined without TURN. */
  ttlSeconds?: number;
}

export interface KvsClientOptions extends KvsHttpOptions {
  controlPlaneUrl: string;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export class KvsClient {
  readonly options: KvsClientOptions;

  constructor(options: KvsClientOptions) {
    this.options = options;
  }

  get region(): string {
    return this.options.region;
  }

  #call(operation: string, path: string, body: Record<string, unknown>, base?: string) {
    return callKvs(this.options, operation, base ?? this.options.controlPlaneUrl, path, body);
  }

  async describeChannel(channelName: string): Promise<ChannelInfo> {
    try {
      const out = await this.#call("DescribeSignalingChannel", "/describeSignalingChannel", {
        ChannelName: channelName,
      });
      const info = (out.ChannelInfo ?? {}) as Record<string, unknown>;
      if (!str(info.ChannelARN)) {
        throw new KvsError({
          name: "SerializationError",
          message: `DescribeSignalingChannel for "${channelName}" answered without a ChannelARN`,
          operation: "DescribeSignalingChannel",
          status: 200,
        });
      }
      return {
        channelName: str(info.ChannelName) || channelName,
        channelArn: str(info.ChannelARN),
        channelType: str(info.ChannelType),
        channelStatus: str(info.ChannelStatus),
      };
    } catch (err) {
      if (err instanceof KvsError && err.name === "ResourceNotFoundException") {
        throw new KvsError({
          name: err.name,
          message: `signaling channel "${channelName}" not found in ${this.region}` +
            ` (the master command creates it: start the master first, or check the name and region)`,
          operation: err.operation,
          status: err.status,
          requestId: err.requestId,
          cause: err,
        });
      }
      throw err;
    }
  }

  async createChannel(channelName: string): Promise<string> {
    const out = await this.#call("CreateSignalingChannel", "/createSignalingChannel", {
      ChannelName: channelName,
      ChannelType: "SINGLE_MASTER",
    });
    return str(out.ChannelARN);
  }

  /**
   * Describes the channel; when it does not exist and `create` is set, creates it (a channel
   * made at the same time by another client is fine) and waits until it is ACTIVE.
   */
  async describeOrCreateChannel(channelName: string, create: boolean): Promise<ChannelInfo> {
    let info: ChannelInfo;
    try {
      info = await this.describeChannel(channelName);
    } catch (err) {
      if (!create || !(err instanceof KvsError) || err.name !== "ResourceNotFoundException") {
        throw err;
      }
      try {
        await this.createChannel(channelName);
      } catch (createErr) {
        if (!(createErr instanceof KvsError) || createErr.name !== "ResourceInUseException") {
          throw createErr;
        }
      }
      info = await this.describeChannel(channelName);
    }
    for (let wait = 0; info.channelStatus === "CREATING" && wait < 30; wait++) {
      await new Promise((r) => setTimeout(r, 200 + wait * 100));
      info = await this.describeChannel(channelName);
    }
    if (info.channelStatus && info.channelStatus !== "ACTIVE") {
      throw new KvsError({
        name: "ResourceInUseException",
        message:
          `signaling channel "${channelName}" in ${this.region} is ${info.channelStatus}, not ACTIVE`,
        operation: "DescribeSignalingChannel",
        status: 200,
      });
    }
    return info;
  }

  async getSignalingEndpoints(
    channelArn: string,
    role: SignalingRole,
    withWebrtc = false,
  ): Promise<SignalingEndpoints> {
    const protocols = withWebrtc ? ["WSS", "HTTPS", "WEBRTC"] : ["WSS", "HTTPS"];
    const out = await this.#call("GetSignalingChannelEndpoint", "/getSignalingChannelEndpoint", {
      ChannelARN: channelArn,
      SingleMasterChannelEndpointConfiguration: { Protocols: protocols, Role: role },
    });
    const byProtocol = new Map<string, string>();
    for (const item of (out.ResourceEndpointList ?? []) as Record<string, unknown>[]) {
      byProtocol.set(str(item?.Protocol).toUpperCase(), str(item?.ResourceEndpoint));
    }
    const missing = protocols.filter((p) => !byProtocol.get(p));
    if (missing.length > 0) {
      throw new KvsError({
        name: "SerializationError",
        message: `GetSignalingChannelEndpoint returned no ${missing.join("/")} endpoint`,
        operation: "GetSignalingChannelEndpoint",
        status: 200,
      });
    }
    return {
      wss: byProtocol.get("WSS")!,
      https: byProtocol.get("HTTPS")!,
      ...(withWebrtc ? { webrtc: byProtocol.get("WEBRTC")! } : {}),
    };
  }

  async getIceServerConfig(
    httpsEndpoint: string,
    channelArn: string,
    clientId?: string,
  ): Promise<IceServerConfig> {
    const out = await this.#call(
      "GetIceServerConfig",
      "/v1/get-ice-server-config",
      { ChannelARN: channelArn, ...(clientId ? { ClientId: clientId } : {}), Service: "TURN" },
      httpsEndpoint,
    );
    const iceServers: IceServer[] = [];
    let ttlSeconds: number | undefined;
    for (const item of (out.IceServerList ?? []) as Record<string, unknown>[]) {
      const urls = Array.isArray(item?.Uris) ? item.Uris.filter((u) => typeof u === "string") : [];
      if (urls.length === 0) continue;
      iceServers.push({
        urls,
        ...(typeof item.Username === "string" ? { username: item.Username } : {}),
        ...(typeof item.Password === "string" ? { credential: item.Password } : {}),
      });
      if (typeof item.Ttl === "number") ttlSeconds = Math.min(ttlSeconds ?? Infinity, item.Ttl);
    }
    return { iceServers, ttlSeconds };
  }

  /** Asks the storage session to join as a peer (it then sends an offer over the WebSocket). */
  async joinStorageSession(webrtcEndpoint: string, channelArn: string, viewerClientId?: string) {
    const path = viewerClientId ? "/joinStorageSessionAsViewer" : "/joinStorageSession";
    await this.#call(
      viewerClientId ? "JoinStorageSessionAsViewer" : "JoinStorageSession",
      path,
      { channelArn, ...(viewerClientId ? { clientId: viewerClientId } : {}) },
      webrtcEndpoint,
    );
  }
}
