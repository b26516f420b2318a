/**
 * The master's session manager: one peer session per peer, keyed by who the peer is — a viewer
 * (by its client id, at most `maxViewers` at once; KVS's limit is 10) or the storage session's
 * media server (at most one, outside that limit). Each offer is answered and ICE trickled both
 * ways. A peer that leaves, fails or times out is closed and forgotten completely; a new offer
 * from the same peer replaces its old session.
 *
 * The storage peer's messages carry no `senderClientId`, and what goes to it carries no
 * recipient. Such messages are taken only once `expectStoragePeer()` says the session joined
 * storage; before that they are dropped with a warning.
 */
import { EventEmitter } from "node:events";
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { Log } from "../../core/log.ts";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { refusalAnswer } from "../../core/sdp/refusal.ts";
import { CandidateHold } from "../../core/signaling/candidate-hold.ts";
import type { PeerSignaling } from "../../core/signaling/peer-signaling.ts";
import type { IceCandidate, IceServer, SessionDescription } from "../aws/mod.ts";
import { type PeerIdentity, peerKey, PeerSession } from "./peer-session.ts";
import type { BandwidthEstimate } from "../../core/congestion/peer-congestion.ts";

export interface MasterOptions {
  signaling: PeerSignaling;
  /** The current ICE servers (they are refreshed in the background). */
  iceServers(): readonly IceServer[];
  broadcast: Broadcast;
  log: Log;
  maxViewers?: number;
  bindAddress?: string;
  /** Only relayed (TURN) candidates. */
  relayOnly?: boolean;
  /**
   * The master's connection timer (its signaling phases): each peer's connection gets a fork
   * of it, so its metrics show those phases and its own ICE, DTLS and first frame.
   */
  timer?: ConnectionTimer;
  connectTimeoutMs?: number;
  /** The longest a peer's candidates wait for our answer to reach it (PeerSession). */
  candidateHoldMs?: number;
  /**
   * A viewer whose bandwidth estimate stays below the stream's bitrate gets keyframes only,
   * until it recovers (default true; false: the estimate is only reported).
   */
  adaptation?: boolean;
}

export interface MasterEvents {
  /** A peer session was made for the peer's offer (its media has not started yet). */
  viewerJoined: [clientId: string];
  viewerConnected: [clientId: string];
  /** The connection is closed by then; its senders' stats say what it was sent. */
  viewerLeft: [clientId: string, reason: string, viewer: PeerSession];
  viewerRefused: [clientId: string, reason: string];
  storageJoined: [storage: PeerSession];
  storageConnected: [];
  storageLeft: [reason: string, storage: PeerSession];
  message: [clientId: string, text: string];
  /**
   * A viewer's bandwidth estimate, after each of its transport-cc feedbacks (about every
   * 100 ms) or REMBs; only for viewers that negotiated transport-cc.
   */
  bandwidthEstimate: [clientId: string, estimate: BandwidthEstimate];
}

/** How the correlation ids of what goes to the storage peer start. */
export const storageCorrelationPrefix = "storage-";

/** See PeerSession.acceptsCandidates. */
const defaultCandidateHoldMs = 1000;
/**
 * How long an offer waits for a live source's first frame, which says its codec (H.264, H.265
 * or VP8), when nothing said it before; after that the master answers H.264.
 */
const codecWaitMs = 3000;

/** Why a peer's session closed when the same peer offered again: the new offer takes its place. */
export const replacedByNewOffer = "it sent a new offer";

export class Master extends EventEmitter<MasterEvents> {
  readonly viewers = new Map<string, PeerSession>();
  readonly maxViewers: number;
  readonly #o: MasterOptions;
  #storage?: PeerSession;
  #expectStorage = false;
  /** Candidates that came before their peer's offer, and departed peers' late ones. */
  readonly #early: CandidateHold<IceCandidate>;
  readonly #detach: (() => void)[] = [];
  /** Offers waiting for the source's codec (at most one per viewer slot, and the storage peer). */
  readonly #waitingForCodec: (() => void)[] = [];
  #codecWait?: { timer: ReturnType<typeof setTimeout>; unsubscribe: () => void };
  #codecWaitOver = false;

  constructor(options: MasterOptions) {
    super();
    this.#o = options;
    this.maxViewers = options.maxViewers ?? 10;
    this.#early = new CandidateHold({ maxPeers: this.maxViewers * 2 + 1 });
    const { signaling } = options;
    const onOffer = (d: SessionDescription, from?: string) => this.#offer(d, from);
    const onCandidate = (c: IceCandidate, from?: string) => this.#candidate(c, from);
    signaling.on("sdpOffer", onOffer);
    signaling.on("iceCandidate", onCandidate);
    this.#detach.push(
      () => signaling.off("sdpOffer", onOffer),
      () => signaling.off("iceCandidate", onCandidate),
    );
  }

  /** The storage session's peer, while there is one. */
  get storage(): PeerSession | undefined {
    return this.#storage;
  }

  /** Peers whose early candidates are held (for leak checks). */
  get earlyCandidateCount(): number {
    return this.#early.size;
  }

  /**
   * The session joined storage (JoinStorageSession succeeded): messages without a sender
   * client id now come from the storage peer.
   */
  expectStoragePeer(): void {
    this.#expectStorage = true;
  }

  /** Closes every peer and stops listening to signaling. */
  stop(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#endCodecWait(false);
    for (const viewer of [...this.viewers.values()]) viewer.close("the master is stopping");
    this.#storage?.close("the master is stopping");
    this.#early.clear();
  }

  /** Who sent a message: a viewer, the storage peer, or nobody we take messages from. */
  #sender(
    clientId: string | undefined,
    what: "an SDP offer" | "an ICE candidate",
  ): PeerIdentity | undefined {
    if (clientId) return { kind: "viewer", clientId };
    if (this.#expectStorage) return { kind: "storage" };
    // One warning per offer; its candidates (a handful each) only at debug level.
    const message = `ignored ${what} without a sender client id (no storage session joined)`;
    if (what === "an SDP offer") this.#o.log.warn(message);
    else this.#o.log.debug(message);
    return undefined;
  }

  #offer(offer: SessionDescription, clientId?: string) {
    const identity = this.#sender(clientId, "an SDP offer");
    if (!identity) return;
    if (this.#o.broadcast.videoCodec === undefined && !this.#codecWaitOver) {
      this.#waitForCodec(() => this.#offer(offer, clientId));
      return;
    }
    const key = peerKey(identity);
    this.#session(identity)?.close(replacedByNewOffer);
    if (identity.kind === "storage") this.#o.timer?.end("storageOffer");
    if (identity.kind === "viewer" && this.viewers.size >= this.maxViewers) {
      const reason = `${this.viewers.size} viewers are connected, the most this master takes ` +
        `(--max-viewers ${this.maxViewers})`;
      this.#early.departed(key);
      this.#refused(identity, offer, reason);
      return;
    }
    try {
      this.#start(identity, offer);
    } catch (error) {
      this.#early.departed(key);
      this.#refused(identity, offer, `cannot answer its offer: ${(error as Error).message}`);
    }
  }

  #start(identity: PeerIdentity, offer: SessionDescription): PeerSession {
    const { signaling, log } = this.#o;
    // The storage peer's answer and candidates go with no recipient, and with a correlation id
    // so that a refused answer comes back as a STATUS_RESPONSE (spec §4.2).
    const to = identity.kind === "viewer" ? identity.clientId : undefined;
    const correlationId = identity.kind === "storage"
      ? `${storageCorrelationPrefix}${Date.now()}`
      : undefined;
    const session = new PeerSession({
      identity,
      offer,
      broadcast: this.#o.broadcast,
      iceServers: this.#o.iceServers(),
      bindAddress: this.#o.bindAddress,
      relayOnly: this.#o.relayOnly,
      timer: this.#o.timer,
      log,
      sendDescription: (answer) => signaling.sendSdpAnswer(answer, to, correlationId),
      sendCandidate: (c) => signaling.sendIceCandidate(c, to, correlationId),
      connectTimeoutMs: this.#o.connectTimeoutMs ?? 30_000,
      candidateHoldMs: this.#o.candidateHoldMs ?? defaultCandidateHoldMs,
      // A recording must hold every frame: the storage peer is never thinned to keyframes.
      adaptation: identity.kind === "storage" ? false : this.#o.adaptation,
    });
    const key = session.key;
    // A viewer's connection waits for no storage peer's offer (its fork may predate it).
    if (identity.kind === "viewer" && session.timer.duration("storageOffer") === undefined) {
      session.timer.skip("storageOffer", "not the storage peer's connection");
    }
    this.#early.returned(key);
    session.once("acceptsCandidates", () => {
      for (const c of this.#early.release(key)) session.addRemoteCandidate(c);
    });
    if (identity.kind === "storage") this.#serveStorage(session);
    else this.#serveViewer(identity.clientId, session);
    return session;
  }

  #serveViewer(clientId: string, viewer: PeerSession) {
    this.viewers.set(clientId, viewer);
    viewer.on("connected", () => this.emit("viewerConnected", clientId));
    viewer.on("message", (text) => this.emit("message", clientId, text));
    viewer.on(
      "bandwidthEstimate",
      (estimate) => this.emit("bandwidthEstimate", clientId, estimate),
    );
    viewer.once("closed", (reason) => {
      if (this.viewers.get(clientId) === viewer) {
        this.viewers.delete(clientId);
        this.#early.departed(viewer.key);
      }
      viewer.removeAllListeners();
      this.emit("viewerLeft", clientId, reason, viewer);
    });
    this.emit("viewerJoined", clientId);
  }

  #serveStorage(storage: PeerSession) {
    this.#storage = storage;
    storage.on("connected", () => this.emit("storageConnected"));
    storage.once("closed", (reason) => {
      if (this.#storage === storage) {
        this.#storage = undefined;
        this.#early.departed(storage.key);
      }
      storage.removeAllListeners();
      this.emit("storageLeft", reason, storage);
    });
    this.emit("storageJoined", storage);
  }

  /** Runs `answer` once the source's first video frame came (or codecWaitMs passed). */
  #waitForCodec(answer: () => void) {
    if (this.#waitingForCodec.length > this.maxViewers) {
      this.#waitingForCodec.shift();
      this.#o.log.warn(
        "more offers wait for the source's first frame than it has slots: the oldest is dropped",
      );
    }
    this.#waitingForCodec.push(answer);
    if (this.#codecWait) return;
    this.#o.log.info("an offer waits for the source's first frame, which says its codec");
    const unsubscribe = this.#o.broadcast.subscribe((frame) => {
      if (frame.kind === "video") this.#endCodecWait(true);
    });
    const timer = setTimeout(() => {
      this.#o.log.warn(
        `the source sent no video within ${codecWaitMs / 1000} s: answering as H.264`,
      );
      this.#codecWaitOver = true;
      this.#endCodecWait(true);
    }, codecWaitMs);
    this.#codecWait = { timer, unsubscribe };
  }

  #endCodecWait(answer: boolean) {
    if (!this.#codecWait) return;
    clearTimeout(this.#codecWait.timer);
    this.#codecWait.unsubscribe();
    this.#codecWait = undefined;
    const waiting = this.#waitingForCodec.splice(0);
    // After the broadcast's listeners have heard of the frame: a session made now starts at it.
    if (answer) queueMicrotask(() => waiting.forEach((work) => work()));
  }

  /** Said in the log, and to the peer: an answer that rejects its offer, saying why. */
  #refused(identity: PeerIdentity, offer: SessionDescription, reason: string) {
    const who = identity.kind === "viewer" ? `viewer ${identity.clientId}` : "the storage peer";
    this.#o.log.warn(`refused ${who}: ${reason}`);
    const to = identity.kind === "viewer" ? identity.clientId : undefined;
    try {
      this.#o.signaling.sendSdpAnswer(
        { type: "answer", sdp: refusalAnswer(offer.sdp, reason) },
        to,
      );
    } catch (error) {
      this.#o.log.debug(`no refusal sent to ${who}: ${(error as Error).message}`);
    }
    if (identity.kind === "viewer") this.emit("viewerRefused", identity.clientId, reason);
  }

  #session(identity: PeerIdentity): PeerSession | undefined {
    return identity.kind === "viewer" ? this.viewers.get(identity.clientId) : this.#storage;
  }

  #candidate(candidate: IceCandidate, clientId?: string) {
    const identity = this.#sender(clientId, "an ICE candidate");
    if (!identity) return;
    const session = this.#session(identity);
    if (session?.acceptsCandidates) session.addRemoteCandidate(candidate);
    else this.#early.hold(peerKey(identity), candidate);
  }
}
