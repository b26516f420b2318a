/**
 * The master's session manager: one peer connection per viewer client id, each offer answered,
 * ICE trickled both ways, at most `maxViewers` at once (KVS's limit is 10). A viewer that
 * leaves, fails or times out is closed and forgotten completely; a new offer from the same
 * client id replaces its old connection.
 */
import { EventEmitter } from "node:events";
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { TrackKind } from "../../core/media/media-frame.ts";
import type { Log } from "../../core/log.ts";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import type { IceCandidate, IceServer, SessionDescription, SignalingClient } from "../aws/mod.ts";
import { PeerSession } from "./peer-session.ts";

export interface MasterOptions {
  signaling: SignalingClient;
  /** The current ICE servers (they are refreshed in the background). */
  iceServers(): readonly IceServer[];
  broadcast: Broadcast;
  log: Log;
  maxViewers?: number;
  bindAddress?: string;
  /** Only relayed (TURN) candidates. */
  relayOnly?: boolean;
  /**
   * The master's connection timer (its signaling phases): each viewer's connection gets a
   * fork of it, so its metrics show those phases and its own ICE, DTLS and first frame.
   */
  timer?: ConnectionTimer;
  connectTimeoutMs?: number;
  disconnectGraceMs?: number;
  /** TEST ONLY: drops chosen RTP packets before their first transmission. */
  testDropRtp?: (clientId: string, kind: TrackKind, sequenceNumber: number) => boolean;
}

export interface MasterEvents {
  viewerJoined: [clientId: string];
  viewerConnected: [clientId: string];
  /** The connection is closed by then; its senders' stats say what it was sent. */
  viewerLeft: [clientId: string, reason: string, viewer: PeerSession];
  viewerRefused: [clientId: string, reason: string];
  message: [clientId: string, text: string];
}

/** Candidates that came before their viewer's offer, kept a short while. */
const earlyCandidateLimit = 64;
const earlyCandidateMs = 30_000;

export class Master extends EventEmitter<MasterEvents> {
  readonly viewers = new Map<string, PeerSession>();
  readonly maxViewers: number;
  readonly #o: MasterOptions;
  readonly #early = new Map<string, { candidates: IceCandidate[]; since: number }>();
  /** Viewers that left or were refused, and when: their late candidates are dropped. */
  readonly #left = new Map<string, number>();
  readonly #detach: (() => void)[] = [];

  constructor(options: MasterOptions) {
    super();
    this.#o = options;
    this.maxViewers = options.maxViewers ?? 10;
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

  /** Early candidates held for viewers whose offer has not come (for leak checks). */
  get earlyCandidateCount(): number {
    return this.#early.size;
  }

  /** Closes every viewer and stops listening to signaling. */
  stop(): void {
    for (const detach of this.#detach.splice(0)) detach();
    for (const viewer of [...this.viewers.values()]) viewer.close("the master is stopping");
    this.#early.clear();
    this.#left.clear();
  }

  #offer(offer: SessionDescription, clientId?: string) {
    const { log } = this.#o;
    if (!clientId) {
      log.warn("ignored an SDP offer without a sender client id");
      return;
    }
    this.#left.delete(clientId);
    this.viewers.get(clientId)?.close("it sent a new offer");
    if (this.viewers.size >= this.maxViewers) {
      const reason = `${this.viewers.size} viewers are connected, the most this master takes ` +
        `(--max-viewers ${this.maxViewers})`;
      this.#early.delete(clientId);
      this.#departed(clientId);
      log.warn(`refused viewer ${clientId}: ${reason}`);
      this.emit("viewerRefused", clientId, reason);
      return;
    }
    let viewer: PeerSession;
    try {
      viewer = new PeerSession({
        clientId,
        offer,
        broadcast: this.#o.broadcast,
        iceServers: this.#o.iceServers(),
        bindAddress: this.#o.bindAddress,
        relayOnly: this.#o.relayOnly,
        timer: this.#o.timer,
        log,
        sendAnswer: (answer) => this.#o.signaling.sendSdpAnswer(answer, clientId),
        sendCandidate: (c) => this.#o.signaling.sendIceCandidate(c, clientId),
        connectTimeoutMs: this.#o.connectTimeoutMs ?? 30_000,
        disconnectGraceMs: this.#o.disconnectGraceMs ?? 5_000,
        testDropRtp: this.#o.testDropRtp &&
          ((kind, seq) => this.#o.testDropRtp!(clientId, kind, seq)),
      });
    } catch (error) {
      const reason = `cannot answer its offer: ${(error as Error).message}`;
      log.warn(`refused viewer ${clientId}: ${reason}`);
      this.emit("viewerRefused", clientId, reason);
      return;
    }
    this.viewers.set(clientId, viewer);
    viewer.on("connected", () => this.emit("viewerConnected", clientId));
    viewer.on("message", (text) => this.emit("message", clientId, text));
    viewer.once("closed", (reason) => {
      if (this.viewers.get(clientId) === viewer) {
        this.viewers.delete(clientId);
        this.#departed(clientId);
      }
      viewer.removeAllListeners();
      this.emit("viewerLeft", clientId, reason, viewer);
    });
    this.emit("viewerJoined", clientId);
    for (const c of this.#early.get(clientId)?.candidates ?? []) viewer.addRemoteCandidate(c);
    this.#early.delete(clientId);
  }

  #departed(clientId: string) {
    this.#left.set(clientId, this.#forgetOld());
  }

  /** Drops early candidates and departed clients older than the hold time; returns now. */
  #forgetOld(): number {
    const now = Date.now();
    for (const [id, early] of this.#early) {
      if (now - early.since > earlyCandidateMs) this.#early.delete(id);
    }
    for (const [id, since] of this.#left) {
      if (now - since > earlyCandidateMs) this.#left.delete(id);
    }
    return now;
  }

  #candidate(candidate: IceCandidate, clientId?: string) {
    if (!clientId) return;
    const viewer = this.viewers.get(clientId);
    if (viewer) {
      viewer.addRemoteCandidate(candidate);
      return;
    }
    const now = this.#forgetOld();
    // A late candidate of a viewer that has gone is not an early one of a viewer to come.
    if (this.#left.has(clientId)) return;
    if (this.#early.size >= this.maxViewers * 2 && !this.#early.has(clientId)) return;
    const early = this.#early.get(clientId) ?? { candidates: [], since: now };
    if (early.candidates.length < earlyCandidateLimit) early.candidates.push(candidate);
    this.#early.set(clientId, early);
  }
}
