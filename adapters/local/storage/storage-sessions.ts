/**
 * The local endpoint's storage sessions, at most one per channel: a JoinStorageSession starts
 * one (a newer join replaces the channel's session, as the most recent wins on AWS), and the
 * endpoint ends them all when it stops.
 */
import type { FragmentStore } from "../../../core/fragments/fragment-store.ts";
import type { ChannelRecord, Registry } from "../../../core/local-endpoint/registry.ts";
import type { SignalingRelay } from "../../../core/local-endpoint/signaling-relay.ts";
import type { Log } from "../../../core/log.ts";
import type { IceServer } from "../../aws/mod.ts";
import { StorageSession } from "./storage-session.ts";

export interface StorageSessionsOptions {
  relay: SignalingRelay;
  registry: Registry;
  fragments: FragmentStore;
  iceServers: readonly IceServer[];
  bindAddress?: string;
  maxDurationMs: number;
  log: Log;
}

export class StorageSessions {
  readonly #o: StorageSessionsOptions;
  readonly #byChannel = new Map<string, StorageSession>();

  constructor(options: StorageSessionsOptions) {
    this.#o = options;
  }

  /** The channel's session, while one runs. */
  session(channelArn: string): StorageSession | undefined {
    return this.#byChannel.get(channelArn);
  }

  /** Starts the channel's storage session (its media storage is ENABLED with `streamArn`). */
  join(channel: ChannelRecord, streamArn: string): StorageSession {
    const { relay, registry, fragments, iceServers, bindAddress, maxDurationMs, log } = this.#o;
    this.#byChannel.get(channel.arn)?.end("a newer storage session joined");
    const session = new StorageSession({
      relay,
      channel: { arn: channel.arn, messageTtlSeconds: channel.messageTtlSeconds },
      streamArn,
      fragments,
      streamActive: () => registry.findStream(streamArn)?.status === "ACTIVE",
      iceServers,
      bindAddress,
      maxDurationMs,
      log,
      onEnded: () => {
        if (this.#byChannel.get(channel.arn) === session) this.#byChannel.delete(channel.arn);
      },
    });
    if (!session.ended) this.#byChannel.set(channel.arn, session);
    return session;
  }

  stopAll(reason: string): void {
    for (const session of [...this.#byChannel.values()]) session.end(reason);
  }
}
