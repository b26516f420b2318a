/**
 * A viewer: offers to receive, depacketizes H.264 (reordering, FU-A, STAP-A) with NACK for
 * gaps and PLI when the picture cannot be decoded, skips the frames the master sends again in
 * answer to a PLI, takes Opus packets as they come, sends receiver reports, and talks on the
 * data channel. What it receives goes to callbacks.
 */
import { EventEmitter } from "node:events";
import type { DataChannel } from "node-datachannel";
import { ReceptionStats } from "../../core/media/reception-stats.ts";
import { ReplayFilter } from "../../core/media/replay-filter.ts";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import type { Log } from "../../core/log.ts";
import { isRtcp } from "../../core/rtcp/header.ts";
import { buildNack } from "../../core/rtcp/nack.ts";
import { parseRtcp } from "../../core/rtcp/parse.ts";
import { buildPli } from "../../core/rtcp/pli.ts";
import { buildReceiverReport } from "../../core/rtcp/receiver-report.ts";
import { type DepacketizedAccessUnit, H264Depacketizer } from "../../core/rtp/h264-depacketizer.ts";
import { parseRtpPacket, type RtpPacket } from "../../core/rtp/header.ts";
import { CandidateHold } from "../../core/signaling/candidate-hold.ts";
import type { PeerSignaling } from "../../core/signaling/peer-signaling.ts";
import type { IceCandidate, IceServer } from "../aws/mod.ts";
import type { MediaTrack } from "../webrtc/media-track.ts";
import { makeViewerOffer } from "../webrtc/offer.ts";
import { Peer, type PeerState } from "../webrtc/peer.ts";

export interface ViewerClientOptions {
  signaling: PeerSignaling;
  iceServers: readonly IceServer[];
  clientId: string;
  bindAddress?: string;
  /** Only relayed (TURN) candidates. */
  relayOnly?: boolean;
  timer?: ConnectionTimer;
  log: Log;
  /** How long to wait for the master's answer and the connection. */
  connectTimeoutMs?: number;
}

export interface ViewerClientEvents {
  /** A frame not received before, in order. */
  frame: [accessUnit: DepacketizedAccessUnit];
  /** A frame received again: the master answers a PLI with its GOP from the newest keyframe. */
  repeatedFrame: [accessUnit: DepacketizedAccessUnit];
  audio: [packet: Uint8Array, timestamp: number];
  message: [text: string];
  dataChannelOpen: [];
  closed: [reason: string];
}

export interface ViewerStats {
  /** Frames received, each once. */
  frames: number;
  /** Frames received again after a PLI, and skipped. */
  framesRepeated: number;
  audioPackets: number;
  videoBytes: number;
  audioBytes: number;
  packetsLost: number;
  packets: number;
  nacksSent: number;
  plisSent: number;
  framesDropped: number;
  roundTripMs?: number;
}

const tickMs = 20;
const receiverReportMs = 1000;
const pliIntervalMs = 300;

export class ViewerClient extends EventEmitter<ViewerClientEvents> {
  readonly peer: Peer;
  readonly #o: ViewerClientOptions;
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0] || 1;
  readonly #depacketizer = new H264Depacketizer();
  readonly #replays = new ReplayFilter();
  readonly #video: MediaTrack;
  readonly #audio: MediaTrack;
  readonly #dataChannel: DataChannel;
  #videoStats?: ReceptionStats;
  #audioStats?: ReceptionStats;
  #frames = 0;
  #framesRepeated = 0;
  #audioPackets = 0;
  #nacksSent = 0;
  #plisSent = 0;
  #lastPliAt = -Infinity;
  #lastReportAt = 0;
  #ticker?: ReturnType<typeof setInterval>;
  #closed = false;
  readonly #connected: Promise<void>;

  constructor(options: ViewerClientOptions) {
    super();
    this.#o = options;
    const { signaling, timer } = options;
    // First frame, as the reference times it on a viewer: from making its offer.
    timer?.start("firstFrame");
    this.peer = new Peer({
      name: `viewer ${options.clientId}`,
      iceServers: options.iceServers,
      bindAddress: options.bindAddress,
      relayOnly: options.relayOnly,
      timer,
      log: options.log,
    });
    // Until the master's answer is applied, candidates wait in both directions: the master's
    // cannot be added yet, and ours go out only then. Trickled earlier, the master's
    // connectivity checks reached this peer before it knew the answer, and libdatachannel then
    // failed the connection now and then (about 1 in 30 with ten viewers at once on loopback).
    const held = new CandidateHold<IceCandidate>({ maxPeers: 2 });
    const onAnswer = (answer: { type: "offer" | "answer"; sdp: string }) => {
      if (answer.type !== "answer" || this.#closed || this.peer.hasRemoteDescription) return;
      try {
        this.peer.setRemoteDescription(answer);
      } catch (error) {
        // libdatachannel now and then refuses a sound answer under load ("Got a remote
        // candidate without ICE transport"): this connection ends, the process goes on.
        this.close(`the master's answer could not be applied: ${(error as Error).message}`);
        return;
      }
      for (const c of held.release("master")) this.peer.addRemoteCandidate(c);
      for (const c of held.release("ours")) signaling.sendIceCandidate(c);
    };
    const onCandidate = (c: IceCandidate) => {
      if (this.peer.hasRemoteDescription) this.peer.addRemoteCandidate(c);
      else held.hold("master", c);
    };
    signaling.on("sdpAnswer", onAnswer);
    signaling.on("iceCandidate", onCandidate);
    this.once("closed", () => {
      signaling.off("sdpAnswer", onAnswer);
      signaling.off("iceCandidate", onCandidate);
      held.clear();
    });
    this.peer.on("localCandidate", (c) => {
      if (this.peer.hasRemoteDescription) signaling.sendIceCandidate(c);
      else held.hold("ours", c);
    });
    const offer = makeViewerOffer(this.peer);
    this.#video = offer.video;
    this.#audio = offer.audio;
    this.#dataChannel = offer.dataChannel;
    this.#video.onPacket((p) => this.#onVideoPacket(p));
    this.#audio.onPacket((p) => this.#onAudioPacket(p));
    this.#video.onOpen(() => this.peer.trackOpened());
    this.#audio.onOpen(() => this.peer.trackOpened());
    this.#dataChannel.onOpen(() => this.emit("dataChannelOpen"));
    this.#dataChannel.onMessage((m) =>
      this.emit("message", typeof m === "string" ? m : new TextDecoder().decode(m))
    );
    const timeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#connected = new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        const reason = this.peer.hasRemoteDescription
          ? `the connection to the master did not come up within ${timeoutMs / 1000} s`
          : `no answer from the master within ${timeoutMs / 1000} s ` +
            `(is a master connected to the channel, and does it take another viewer?)`;
        reject(new Error(reason));
        this.close(reason);
      }, timeoutMs);
      this.peer.on("state", (state: PeerState) => {
        if (state === "connected") {
          clearTimeout(timeout);
          resolve();
        } else if (state === "failed" || state === "closed") {
          clearTimeout(timeout);
          reject(new Error(`the connection to the master ${state}`));
          this.close(`the connection ${state}`);
        }
      });
    });
    this.#connected.catch(() => {});
    this.#ticker = setInterval(() => this.#tick(), tickMs);
    signaling.sendSdpOffer(offer.offer);
  }

  /** Resolves when the peer connection is up; rejects on failure or timeout. */
  connected(): Promise<void> {
    return this.#connected;
  }

  sendMessage(text: string): boolean {
    try {
      return this.#dataChannel.isOpen() && this.#dataChannel.sendMessage(text);
    } catch {
      return false;
    }
  }

  /** Sends a PLI now (the master should answer with a keyframe). */
  requestKeyframe(): boolean {
    const ssrc = this.#videoStats?.ssrc;
    if (ssrc === undefined) return false;
    this.#lastPliAt = performance.now();
    this.#replays.expectReplay(this.#lastPliAt);
    this.#plisSent++;
    return this.#video.send(buildPli({ senderSsrc: this.#ssrc, mediaSsrc: ssrc }));
  }

  get stats(): ViewerStats {
    return {
      frames: this.#frames,
      framesRepeated: this.#framesRepeated,
      audioPackets: this.#audioPackets,
      videoBytes: this.#videoStats?.bytes ?? 0,
      audioBytes: this.#audioStats?.bytes ?? 0,
      packets: (this.#videoStats?.packets ?? 0) + (this.#audioStats?.packets ?? 0),
      packetsLost: (this.#videoStats?.lost ?? 0) + (this.#audioStats?.lost ?? 0),
      nacksSent: this.#nacksSent,
      plisSent: this.#plisSent,
      framesDropped: this.#depacketizer.stats.droppedFrames,
      roundTripMs: this.#closed ? undefined : this.peer.roundTripMs(),
    };
  }

  close(reason = "closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    try {
      this.#dataChannel.close();
    } catch { /* already closed with the peer */ }
    this.peer.close();
    this.emit("closed", reason);
  }

  #onVideoPacket(packet: Uint8Array) {
    const now = performance.now();
    const rtp = this.#receive(packet, this.#video, now);
    if (rtp) this.#deliver(this.#depacketizer.push(rtp, now), now);
  }

  #onAudioPacket(packet: Uint8Array) {
    const rtp = this.#receive(packet, this.#audio, performance.now());
    if (!rtp) return;
    this.#audioPackets++;
    this.emit("audio", rtp.payload, rtp.timestamp);
  }

  /** Counts an RTP packet in its track's reception stats; RTCP (an SR) is noted, not returned. */
  #receive(packet: Uint8Array, track: MediaTrack, now: number): RtpPacket | undefined {
    let stats = track === this.#video ? this.#videoStats : this.#audioStats;
    if (isRtcp(packet)) {
      this.#onRtcp(packet, stats, now);
      return undefined;
    }
    let rtp;
    try {
      rtp = parseRtpPacket(packet);
    } catch {
      return undefined;
    }
    if (!stats) {
      stats = new ReceptionStats(rtp.ssrc, track.clockRate);
      if (track === this.#video) this.#videoStats = stats;
      else this.#audioStats = stats;
    }
    stats.packet(rtp.sequenceNumber, rtp.timestamp, rtp.payload.length, now);
    return rtp;
  }

  #onRtcp(packet: Uint8Array, stats: ReceptionStats | undefined, now: number) {
    try {
      for (const rtcp of parseRtcp(packet)) {
        if (rtcp.kind === "senderReport" && rtcp.packet.ssrc === stats?.ssrc) {
          stats.senderReport(rtcp.packet, now);
        }
      }
    } catch {
      // A compound packet we cannot read: nothing in it is needed to receive.
    }
  }

  #deliver(frames: DepacketizedAccessUnit[], now: number) {
    for (const au of frames) {
      if (!this.#replays.accept(au.data, au.keyframe, now)) {
        this.#framesRepeated++;
        this.emit("repeatedFrame", au);
        continue;
      }
      this.#frames++;
      if (this.#frames === 1) this.#o.timer?.end("firstFrame");
      this.emit("frame", au);
    }
  }

  #tick() {
    const now = performance.now();
    this.#deliver(this.#depacketizer.poll(now), now);
    const stats = this.#videoStats;
    if (stats) {
      const missing = this.#depacketizer.nackDue(now);
      if (missing.length > 0) {
        this.#nacksSent++;
        this.#video.send(
          buildNack({ senderSsrc: this.#ssrc, mediaSsrc: stats.ssrc, sequenceNumbers: missing }),
        );
      }
      if (this.#depacketizer.keyframeNeeded && now - this.#lastPliAt >= pliIntervalMs) {
        this.requestKeyframe();
      }
    }
    if (now - this.#lastReportAt >= receiverReportMs) {
      this.#lastReportAt = now;
      for (const [track, s] of [[this.#video, stats], [this.#audio, this.#audioStats]] as const) {
        const block = s?.reportBlock(now);
        if (block) track.send(buildReceiverReport({ ssrc: this.#ssrc, reports: [block] }));
      }
    }
  }
}
