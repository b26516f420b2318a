/**
 * The master's session with one peer (a viewer, or the storage session's media server): its
 * peer connection, one sender per track reading the shared frame rings, the data channel (each
 * message is answered with an echo), a sender report every second, and a deadline to connect.
 * Made with no offer it offers instead of answering: the local endpoint's media server sending
 * to a viewer that joined its storage session (adapters/local/storage/storage-forwarding.ts).
 * A peer's RTCP BYE ends the session at once.
 * Its tracks share one pacer; with transport-cc negotiated they share one transport-wide
 * numbering and bandwidth estimate, which sets the pacer's rate and, with adaptation, whether
 * the peer gets keyframes only. Everything it holds goes in close().
 */
import { EventEmitter } from "node:events";
import type { DataChannel } from "node-datachannel";
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { TrackKind } from "../../core/media/media-frame.ts";
import { TrackSender } from "../../core/media/track-sender.ts";
import { SendPacer } from "../../core/media/send/pacer.ts";
import { systemClock } from "../../core/media/send/stage.ts";
import { type BandwidthEstimate, PeerCongestion } from "../../core/congestion/peer-congestion.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { isRtcp } from "../../core/rtcp/header.ts";
import { holdsBye } from "../../core/rtcp/bye.ts";
import { RtcpFloodGuard } from "../../core/rtcp/flood-guard.ts";
import { streamVideoFormat } from "../../core/sdp/video-format.ts";
import type { Log } from "../../core/log.ts";
import { MessageGuard } from "../../core/datachannel/message-guard.ts";
import type { IceCandidate, IceServer, SessionDescription } from "../aws/mod.ts";
import { answerOffer } from "../webrtc/answer.ts";
import { offerToSend } from "../webrtc/send-offer.ts";
import type { MediaTrack } from "../webrtc/media-track.ts";
import { PacketTurns } from "../webrtc/packet-turns.ts";
import { Peer } from "../webrtc/peer.ts";

/** Who a peer session is with: a viewer, or the storage session's media server. */
export type PeerIdentity = { kind: "viewer"; clientId: string } | { kind: "storage" };

/** One key per peer: a viewer's client id cannot be "storage" with the prefix. */
export function peerKey(identity: PeerIdentity): string {
  return identity.kind === "viewer" ? `viewer:${identity.clientId}` : "storage";
}

/** "viewer viewer-1a2b" or "the storage peer", for messages. */
export function describePeer(identity: PeerIdentity): string {
  return identity.kind === "viewer" ? `viewer ${identity.clientId}` : "the storage peer";
}

export interface PeerSessionOptions {
  identity: PeerIdentity;
  /**
   * The peer's offer, answered. Without one the session offers to send, and the peer's answer
   * comes to applyAnswer(): the storage session's media server forwarding to a viewer.
   */
  offer?: SessionDescription;
  broadcast: Broadcast;
  iceServers: readonly IceServer[];
  bindAddress?: string;
  relayOnly?: boolean;
  /** The master's timer, forked for this connection (else a new one). */
  timer?: ConnectionTimer;
  log: Log;
  /** Our answer to the peer's offer, or our offer when there was none. */
  sendDescription(description: SessionDescription): void;
  sendCandidate(candidate: IceCandidate): void;
  /** A peer not connected this long after its offer is dropped. */
  connectTimeoutMs: number;
  /** The longest the peer's candidates wait for our answer to reach it (see acceptsCandidates). */
  candidateHoldMs: number;
  /** Keyframes only for a peer whose estimate cannot take the stream (default true). */
  adaptation?: boolean;
}

export interface PeerSessionEvents {
  /** The peer's ICE candidates may be given now (acceptsCandidates became true). */
  acceptsCandidates: [];
  connected: [];
  message: [text: string];
  /** After each transport-cc feedback or REMB, when transport-cc was negotiated. */
  bandwidthEstimate: [estimate: BandwidthEstimate];
  closed: [reason: string];
}

const senderReportIntervalMs = 1000;
/**
 * The pacer runs this much faster than the estimate, as libwebrtc's does: a frame's packets
 * are spread out, not held back, and a keyframe's train still probes above the estimate.
 */
const pacingFactor = 2.5;

/**
 * A viewer's RTCP waiting for its turn, per track: it sends a few packets a second (a receiver
 * report a second, a NACK or PLI a tick at most), so 256 is seconds of it. The media-sized
 * default (4096 slots) cost every viewer ~100 KB (media bench, kept memory per extra viewer).
 */
const rtcpInbox = { maxPackets: 256, maxBytes: 256 * 1024 };
/**
 * Bytes an echo may find waiting in the data channel's send buffer: a peer that sends and does
 * not read would otherwise make the echoes pile up in it without end.
 */
const maxEchoBufferedBytes = 1024 * 1024;

function randomSsrc(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] || 1;
}

export class PeerSession extends EventEmitter<PeerSessionEvents> {
  readonly identity: PeerIdentity;
  /** peerKey(identity). */
  readonly key: string;
  /** describePeer(identity). */
  readonly description: string;
  readonly timer: ConnectionTimer;
  readonly peer: Peer;
  readonly senders = new Map<TrackKind, { sender: TrackSender; track: MediaTrack }>();
  /** The connection's congestion control, when transport-cc was negotiated. */
  congestion?: PeerCongestion;
  /** What every track of the connection sends goes through this one pacer. */
  readonly pacer = new SendPacer({ clock: systemClock });
  readonly #log: Log;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** RTCP from the peer, handled a budget per turn (a flood of NACKs must not starve us). */
  readonly #rtcp: PacketTurns;
  /** Every packet from the peer, counted: past its bound the peer is cut off. */
  readonly #rtcpFlood = new RtcpFloodGuard(() => performance.now());
  #unsubscribe?: () => void;
  #dataChannels: DataChannel[] = [];
  #acceptsCandidates = false;
  #closed = false;
  /** When (performance.now()) the peer's last RTCP packet came: a live receiver reports each second. */
  lastRtcpAt = performance.now();

  constructor(o: PeerSessionOptions) {
    super();
    this.identity = o.identity;
    this.key = peerKey(o.identity);
    this.description = describePeer(o.identity);
    this.#log = o.log;
    this.#rtcp = new PacketTurns(
      (kind, packet) => this.#handleRtcp(kind, packet),
      (shed) => o.log.warn(`${this.description} sends more RTCP than we handle: ${shed} dropped`),
      rtcpInbox,
    );
    this.timer = o.timer?.fork() ?? new ConnectionTimer();
    // First frame, as the reference times it on a master: from the peer's offer received.
    this.timer.start("firstFrame");
    this.peer = new Peer({
      name: this.description,
      iceServers: o.iceServers,
      bindAddress: o.bindAddress,
      relayOnly: o.relayOnly,
      timer: this.timer,
      log: o.log,
    });
    this.peer.on("localCandidate", (c) => o.sendCandidate(c));
    this.peer.on("state", (state) => this.#onState(state));
    this.peer.pc.onDataChannel((dc) => this.#serveDataChannel(dc));
    this.#after(o.connectTimeoutMs, () => {
      if (this.peer.state !== "connected") {
        this.close(`did not connect within ${o.connectTimeoutMs / 1000} s`);
      }
    });
    const ssrcs = { video: randomSsrc(), audio: randomSsrc() };
    const stream = {
      // Before the source's first frame says, a live source is taken to be H.264.
      video: streamVideoFormat(o.broadcast.videoCodec ?? "h264", {
        h264: o.broadcast.sps,
        h265: o.broadcast.h265Sps,
      }),
      videoSsrc: ssrcs.video,
      audioSsrc: ssrcs.audio,
      cname: "kvsrtc",
    };
    try {
      const made = o.offer
        ? answerOffer(this.peer, o.offer, stream)
        : offerToSend(this.peer, stream);
      const description = "answer" in made ? made.answer : made.offer;
      const { video, audio } = made;
      if (video?.transportCcId !== undefined || audio?.transportCcId !== undefined) {
        this.congestion = this.#congestionControl(o);
      }
      // Audio first: the shared pacer serves its work in the order added, and an audio packet
      // must not wait behind a keyframe's train.
      for (const track of [audio, video]) if (track) this.#addSender(track, ssrcs[track.kind], o);
      o.sendDescription(description);
    } catch (error) {
      this.close((error as Error).message);
      throw error;
    }
    this.peer.once("iceConnected", () => this.#acceptCandidates());
    // An offering session takes the peer's candidates once it has the peer's answer.
    if (o.offer) this.#after(o.candidateHoldMs, () => this.#acceptCandidates());
    this.#unsubscribe = o.broadcast.subscribe((frame) => {
      this.senders.get(frame.kind)?.sender.pump();
      this.#markFirstFrame();
    });
    const sr = setInterval(() => this.#sendReports(), senderReportIntervalMs);
    this.#timers.add(sr);
  }

  /**
   * Whether the peer's ICE candidates may be given yet. Not until the peer has our answer: the
   * master answers DTLS "active" (answer.ts), so its ClientHello follows its own ICE. Given a
   * viewer's early candidates (browsers and the SDKs trickle right after their offer), our
   * checks could succeed before the answer reached the viewer, whose DTLS then drops the
   * ClientHello, and the handshake waits for its 1 s retransmission. Held, they are not needed
   * wherever the viewer's own checks reach us: those start once it has the answer, and connect
   * our ICE through a peer-reflexive pair. Where they cannot (NAT, TURN), the hold ends after
   * `candidateHoldMs`, a bound on the answer's way to the peer.
   */
  get acceptsCandidates(): boolean {
    return this.#acceptsCandidates;
  }

  /** The peer's answer to our offer (a session made with no offer). */
  applyAnswer(answer: SessionDescription): void {
    if (this.#closed || this.peer.hasRemoteDescription) return;
    this.peer.setRemoteDescription(answer);
    this.#acceptCandidates();
  }

  addRemoteCandidate(candidate: IceCandidate): void {
    this.peer.addRemoteCandidate(candidate);
  }

  /** Timers held (for leak checks). */
  get timerCount(): number {
    return this.#timers.size;
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#rtcp.stop();
    for (const { sender, track } of this.senders.values()) {
      sender.stop();
      track.close();
    }
    for (const dc of this.#dataChannels) dc.close();
    this.#dataChannels = [];
    this.peer.close();
    this.emit("closed", reason);
  }

  #congestionControl(o: PeerSessionOptions): PeerCongestion {
    const congestion = new PeerCongestion({
      now: systemClock.now,
      streamBps: () => o.broadcast.bitrateBps,
      adaptation: o.adaptation ?? true,
      changed: () => {
        this.pacer.bytesPerSecond = (congestion.estimator.estimateBps * pacingFactor) / 8;
        const video = this.senders.get("video")?.sender;
        if (video) video.keyframesOnly = congestion.keyframesOnly;
        this.emit("bandwidthEstimate", congestion.estimate);
      },
    });
    return congestion;
  }

  #addSender(track: MediaTrack, ssrc: number, o: PeerSessionOptions) {
    const kind = track.kind;
    const { congestion } = this;
    const extensionId = track.transportCcId;
    const sender = new TrackSender({
      ring: o.broadcast.ring(kind),
      ssrc,
      payloadType: track.payloadType,
      clockRate: track.clockRate,
      send: (packet) => track.send(packet),
      pacer: this.pacer,
      liveMediaTimeUs: () => o.broadcast.liveMediaTimeUs(),
      transportCc: congestion && extensionId !== undefined
        ? { extensionId, congestion }
        : undefined,
    });
    this.senders.set(kind, { sender, track });
    track.onOpen(() => {
      this.#acceptCandidates();
      this.peer.trackOpened();
      sender.start();
      this.#markFirstFrame();
    });
    track.onPacket((packet) => {
      // Calls queued before close() still come (17 after a flood measured on Deno): ignored.
      if (this.#closed) return;
      if (this.#rtcpFlood.arrived()) return this.#closeForRtcpFlood();
      if (!isRtcp(packet)) return;
      this.lastRtcpAt = performance.now();
      this.#rtcp.arrived(kind, packet);
    });
  }

  /**
   * Closing the connection (and its tracks, which drops our callbacks) is the one way to stop
   * the calls: node-datachannel queues one per packet with no bound, so shedding them in here
   * still leaves every one to be made.
   */
  #closeForRtcpFlood() {
    this.#log.warn(`${this.description} floods RTCP: closing it`);
    this.close("it flooded RTCP");
  }

  #acceptCandidates() {
    if (this.#acceptsCandidates || this.#closed) return;
    this.#acceptsCandidates = true;
    this.emit("acceptsCandidates");
  }

  #handleRtcp(kind: TrackKind, packet: Uint8Array) {
    try {
      if (holdsBye(packet)) {
        this.close(`the ${this.#role} said goodbye (RTCP BYE)`);
        return;
      }
      this.senders.get(kind)?.sender.handleRtcp(packet);
    } catch (error) {
      this.#log.debug(`${this.description}: bad RTCP ignored: ${(error as Error).message}`);
    }
  }

  #markFirstFrame() {
    if ((this.senders.get("video")?.sender.stats.framesSent ?? 0) > 0) this.timer.end("firstFrame");
  }

  #sendReports() {
    for (const { sender, track } of this.senders.values()) {
      const sr = sender.started ? sender.senderReport() : undefined;
      if (sr) track.send(sr);
    }
  }

  #serveDataChannel(dc: DataChannel) {
    this.#dataChannels.push(dc);
    const guard = new MessageGuard(
      () => performance.now(),
      (warning) => this.#log.warn(`${this.description}: ${warning}`),
    );
    let echoesSkipped = 0;
    let closedForFlood = false;
    dc.onMessage((message) => {
      const text = guard.text(message);
      if (guard.flooding) {
        if (!closedForFlood) {
          closedForFlood = true;
          this.#log.warn(`${this.description} floods the data channel: closing it (media goes on)`);
          dc.close();
        }
        return;
      }
      if (text === undefined || this.#closed) return;
      this.emit("message", text);
      try {
        if (dc.bufferedAmount() > maxEchoBufferedBytes) {
          if (echoesSkipped++ % 100 === 0) {
            this.#log.warn(
              `${this.description} does not read its echoes: ${echoesSkipped} not sent so far`,
            );
          }
          return;
        }
        dc.sendMessage(`echo: ${text}`);
      } catch (error) {
        this.#log.debug(`${this.description}: no echo: ${(error as Error).message}`);
      }
    });
  }

  /**
   * The peer has gone as soon as libdatachannel says "disconnected", with no grace to come
   * back: libdatachannel reports it only when a transport of the connection ended (SCTP
   * ABORT or SHUTDOWN, DTLS close_notify, ICE lost) and then always closes the connection
   * itself; a disconnected connection never comes back there, so waiting only kept the slot.
   */
  #onState(state: string) {
    if (state === "connected") this.emit("connected");
    else if (state === "failed") this.close("the connection failed");
    else if (state === "disconnected") this.close(`the ${this.#role} disconnected`);
    else if (state === "closed") this.close(`the ${this.#role} closed the connection`);
  }

  get #role(): string {
    return this.identity.kind === "viewer" ? "viewer" : "storage peer";
  }

  #after(ms: number, work: () => void) {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      work();
    }, ms);
    this.#timers.add(t);
  }
}
