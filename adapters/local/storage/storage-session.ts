/**
 * The local endpoint's storage session: what JoinStorageSession starts. Its own WebRTC peer (the
 * viewer's offer and receive chain, with NACK and PLI, and no data channel) is a client of the
 * relay, offers to the channel's master with no senderClientId, and records what it receives
 * into the channel's stream (SessionRecorder -> the fragment store), and forwards it to the
 * viewers that join the session (StorageForwarding). An answer that sends no H.264 or no Opus is
 * refused with AWS's error (core/storage/answer-check.ts). It ends at its maximum
 * duration (AWS: 1 hour), when the peer connection fails or closes, when the relay drops it (a
 * newer session, the endpoint stopping), or when the stream cannot take a fragment.
 */
import type { FragmentStore } from "../../../core/fragments/fragment-store.ts";
import type { Fragment } from "../../../core/fragments/fragment.ts";
import type { SignalingRelay } from "../../../core/local-endpoint/signaling-relay.ts";
import type { Log } from "../../../core/log.ts";
import { SessionRecorder } from "../../../core/storage/session-recorder.ts";
import { storagePayloadProblem } from "../../../core/storage/answer-check.ts";
import type { ClientMessage } from "../../../core/local-endpoint/signaling-message.ts";
import type { IceServer } from "../../aws/mod.ts";
import { ViewerClient } from "../../viewer/viewer-client.ts";
import { RelaySignaling } from "./relay-signaling.ts";
import { StorageForwarding } from "./storage-forwarding.ts";

/** AWS ends a storage session after an hour; the caller calls JoinStorageSession again. */
export const defaultStorageSessionMaxMs = 3_600_000;

export interface StorageSessionOptions {
  relay: SignalingRelay;
  channel: { arn: string; messageTtlSeconds: number };
  streamArn: string;
  fragments: FragmentStore;
  /** False once the stream is deleted (or no longer ACTIVE): the session then ends. */
  streamActive(): boolean;
  iceServers: readonly IceServer[];
  bindAddress?: string;
  maxDurationMs: number;
  /** How long the master has to answer and the connection to come up. */
  connectTimeoutMs?: number;
  log: Log;
  /** Told once, when the session is over. */
  onEnded?: (reason: string) => void;
}

export class StorageSession {
  readonly recorder: SessionRecorder;
  readonly forwarding: StorageForwarding;
  readonly #o: StorageSessionOptions;
  readonly #signaling: RelaySignaling;
  readonly #peer: ViewerClient;
  readonly #deadline: ReturnType<typeof setTimeout>;
  #ended = false;

  constructor(options: StorageSessionOptions) {
    this.#o = options;
    this.recorder = new SessionRecorder((fragment) => this.#store(fragment));
    this.forwarding = new StorageForwarding(options);
    this.#signaling = new RelaySignaling(
      options.relay.admit(options.channel, "STORAGE"),
      (message) => this.#screen(message),
    );
    this.#signaling.once("closed", () => this.end("the signaling relay dropped the session"));
    this.#peer = new ViewerClient({
      signaling: this.#signaling,
      iceServers: options.iceServers,
      clientId: "storage-session",
      bindAddress: options.bindAddress,
      log: options.log,
      connectTimeoutMs: options.connectTimeoutMs,
      dataChannel: false,
    });
    this.#peer.on("frame", (au) => {
      this.recorder.video(au.data, au.timestamp, Date.now());
      this.forwarding.video(au.data, au.timestamp);
    });
    this.#peer.on("audio", (packet, ts) => {
      this.recorder.audio(packet, ts, Date.now());
      this.forwarding.audio(packet, ts);
    });
    this.#peer.once("closed", (reason) => this.end(reason));
    this.#peer.connected().then(
      () => options.log.info(`storage session of ${options.channel.arn}: connected to the master`),
      () => {},
    );
    this.#deadline = setTimeout(
      () => this.end(`it reached its maximum duration (${options.maxDurationMs / 1000} s)`),
      options.maxDurationMs,
    );
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Stores what is still open, closes the peer and leaves the relay. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#deadline);
    this.recorder.finish();
    this.forwarding.end(`the storage session ended: ${reason}`);
    this.#peer.close(reason);
    this.#signaling.close();
    const { fragments } = this.recorder.stats;
    this.#o.log.info(
      `storage session of ${this.#o.channel.arn} ended: ${reason} (${fragments} fragments stored)`,
    );
    this.#o.onEnded?.(reason);
  }

  /** The master's answer must send what a recording takes; one that does not ends the session. */
  #screen(message: ClientMessage): string | undefined {
    if (message.action !== "SDP_ANSWER") return undefined;
    const problem = storagePayloadProblem(message.messagePayload);
    // Refused from inside the relay's routing: end once it has returned.
    if (problem) queueMicrotask(() => this.end(`the master's answer was refused: ${problem}`));
    return problem;
  }

  #store(fragment: Fragment) {
    if (!this.#o.streamActive()) {
      // Called from the recorder: end once it has returned.
      queueMicrotask(() => this.end("its stream is no longer active"));
      return;
    }
    this.#o.fragments.append(this.#o.streamArn, fragment).catch((error) => {
      this.#o.log.warn(
        `storage session of ${this.#o.channel.arn}: a fragment was not stored: ${
          (error as Error).message
        }`,
      );
    });
  }
}
