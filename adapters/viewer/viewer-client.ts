/**
 * A viewer: offers to receive, feeds what its tracks receive to the receive chain in core
 * (depacketizing, NACK, PLI, replay skipping, receiver reports: see ViewerReceiver), ticks it,
 * sends the RTCP it makes, and talks on the data channel. What it receives goes to events.
 * Packets are handled a budget per turn of the event loop (PacketTurns), so no flood a master
 * sends grows memory or starves timers and signals.
 */
import { EventEmitter } from "node:events";
import type { DataChannel } from "node-datachannel";
import {
  type ReceiverStats,
  receiverTickMs,
  ViewerReceiver,
} from "../../core/media/receive/viewer-receiver.ts";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import type { Log } from "../../core/log.ts";
import { MessageGuard } from "../../core/datachannel/message-guard.ts";
import type { DepacketizedAccessUnit } from "../../core/rtp/h264-depacketizer.ts";
import type { TrackKind } from "../../core/media/media-frame.ts";
import { refusalReason } from "../../core/sdp/refusal.ts";
import { parseMediaSections } from "../../core/sdp/offer.ts";
import { answeredTransportCc } from "../../core/sdp/transport-cc.ts";
import { answeredVideoCodec } from "../../core/sdp/video-format.ts";
import type { VideoCodec } from "../../core/media/video-codec.ts";
import { CandidateHold } from "../../core/signaling/candidate-hold.ts";
import type { PeerSignaling } from "../../core/signaling/peer-signaling.ts";
import type { IceCandidate, IceServer } from "../aws/mod.ts";
import type { MediaTrack } from "../webrtc/media-track.ts";
import { addReceivingTracks, makeViewerOffer } from "../webrtc/offer.ts";
import { PacketTurns } from "../webrtc/packet-turns.ts";
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
  /**
   * Send our ICE candidates as they are gathered, before the answer (as browsers and the KVS
   * SDKs do), instead of once the answer is applied.
   */
  trickleEarly?: boolean;
  /** Offer a data channel (default true; the storage session's peer offers none). */
  dataChannel?: boolean;
  /**
   * A viewer that joined the storage session (JoinStorageSessionAsViewer): it makes no offer and
   * answers the media server's (spec §4.2), with no data channel and no transport-cc.
   */
  storageViewer?: boolean;
  /** Offer transport-cc, as browsers do (default true; false: the master sends as without it). */
  transportCc?: boolean;
  /**
   * TEST ONLY: wraps how arrived packets reach the receive chain (a receive-side bottleneck,
   * adapters/viewer/test-bottleneck.ts); they go straight there without it.
   */
  arrivals?: (deliver: PacketIntake) => PacketIntake;
}

/** Hands one packet that arrived on a track to the receive chain. */
export type PacketIntake = (track: TrackKind, packet: Uint8Array) => void;

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

export interface ViewerStats extends ReceiverStats {
  roundTripMs?: number;
  /** Packets dropped on arrival: they came faster than this viewer could handle them. */
  packetsShed: number;
  /** Data-channel messages dropped: too big, or too many a second. */
  messagesDropped: number;
}

export class ViewerClient extends EventEmitter<ViewerClientEvents> {
  readonly peer: Peer;
  /** The video codec the master's answer chose (its frames are in it); H.264 before then. */
  videoCodec: VideoCodec = "h264";
  readonly #o: ViewerClientOptions;
  readonly #ssrc = crypto.getRandomValues(new Uint32Array(1))[0] || 1;
  readonly #video: MediaTrack;
  readonly #audio: MediaTrack;
  readonly #dataChannel?: DataChannel;
  readonly #receiver: ViewerReceiver;
  readonly #packets: PacketTurns;
  readonly #messages: MessageGuard;
  #dataChannelFlooded = false;
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
      const refused = refusalReason(answer.sdp);
      if (refused !== undefined) {
        this.close(`the master refused this viewer: ${refused}`);
        return;
      }
      try {
        this.peer.setRemoteDescription(answer);
      } catch (error) {
        // libdatachannel now and then refuses a sound answer under load ("Got a remote
        // candidate without ICE transport"): this connection ends, the process goes on.
        this.close(`the master's answer could not be applied: ${(error as Error).message}`);
        return;
      }
      this.#takeAnswer(answer.sdp);
      for (const c of held.release("master")) this.peer.addRemoteCandidate(c);
      for (const c of held.release("ours")) signaling.sendIceCandidate(c);
    };
    // The media server's offer, to a viewer that joined the storage session.
    const onOffer = (offer: { type: "offer" | "answer"; sdp: string }) => {
      if (!options.storageViewer || offer.type !== "offer" || this.#closed) return;
      if (this.peer.hasRemoteDescription) return; // one session per client; a new one rejoins
      this.#o.timer?.end("storageOffer");
      try {
        this.peer.setRemoteDescription(offer);
        const answer = this.peer.pc.localDescription();
        if (!answer || answer.type !== "answer") throw new Error("no answer was made");
        signaling.sendSdpAnswer({ type: "answer", sdp: answer.sdp });
      } catch (error) {
        this.close(
          `the storage session's offer could not be answered: ${(error as Error).message}`,
        );
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
    signaling.on("sdpOffer", onOffer);
    signaling.on("iceCandidate", onCandidate);
    this.once("closed", () => {
      signaling.off("sdpAnswer", onAnswer);
      signaling.off("sdpOffer", onOffer);
      signaling.off("iceCandidate", onCandidate);
      held.clear();
    });
    this.peer.on("localCandidate", (c) => {
      if (options.trickleEarly || this.peer.hasRemoteDescription) signaling.sendIceCandidate(c);
      else held.hold("ours", c);
    });
    const choices = options.storageViewer
      ? { dataChannel: false, transportCc: false }
      : { dataChannel: options.dataChannel, transportCc: options.transportCc };
    const offer = options.storageViewer
      ? { ...addReceivingTracks(this.peer, choices), offer: undefined }
      : makeViewerOffer(this.peer, choices);
    this.#video = offer.video;
    this.#audio = offer.audio;
    this.#dataChannel = offer.dataChannel;
    this.#receiver = this.#makeReceiver();
    this.#packets = new PacketTurns(
      (track, packet) => this.#receiver.receive(track, packet),
      (shed) =>
        options.log.warn(
          `the master sends more than this viewer can handle: ${shed} packets dropped on ` +
            "arrival so far",
        ),
    );
    const deliver: PacketIntake = (track, p) => {
      this.#receiver.arrived(p);
      this.#packets.arrived(track, p);
    };
    const intake = options.arrivals?.(deliver) ?? deliver;
    this.#video.onPacket((p) => intake("video", p));
    this.#audio.onPacket((p) => intake("audio", p));
    this.#video.onOpen(() => this.peer.trackOpened());
    this.#audio.onOpen(() => this.peer.trackOpened());
    this.#dataChannel?.onOpen(() => this.emit("dataChannelOpen"));
    this.#messages = new MessageGuard(
      () => performance.now(),
      (warning) => options.log.warn(`the master's data channel: ${warning}`),
    );
    this.#dataChannel?.onMessage((m) => {
      const text = this.#messages.text(m);
      if (this.#messages.flooding) return this.#closeFloodedDataChannel();
      if (text !== undefined && !this.#closed) this.emit("message", text);
    });
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
      // Closed before it connected (refused, failed, or closed by the caller): said at once.
      this.once("closed", (reason) => {
        clearTimeout(timeout);
        reject(new Error(reason));
      });
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
    this.#ticker = setInterval(() => this.#receiver.tick(), receiverTickMs);
    if (offer.offer) signaling.sendSdpOffer(offer.offer);
  }

  /** Resolves when the peer connection is up; rejects on failure or timeout. */
  connected(): Promise<void> {
    return this.#connected;
  }

  sendMessage(text: string): boolean {
    try {
      return !!this.#dataChannel?.isOpen() && this.#dataChannel.sendMessage(text);
    } catch {
      return false;
    }
  }

  /** A track's RTP timestamp on the master's clock (Unix ms); undefined before its first SR. */
  senderTimeMs(track: TrackKind, rtpTimestamp: number): number | undefined {
    return this.#receiver.senderTimeMs(track, rtpTimestamp);
  }

  /** Sends a PLI now (the master should answer with a keyframe). */
  requestKeyframe(): boolean {
    return this.#receiver.requestKeyframe();
  }

  get stats(): ViewerStats {
    return {
      ...this.#receiver.stats,
      roundTripMs: this.#closed ? undefined : this.peer.roundTripMs(),
      packetsShed: this.#packets.shed,
      messagesDropped: this.#messages.dropped,
    };
  }

  close(reason = "closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    this.#packets.stop();
    // The master hears at once that this viewer left, not from its RTCP going quiet.
    if (this.peer.state === "connected") this.#receiver.goodbye();
    try {
      this.#dataChannel?.close();
    } catch { /* already closed with the peer */ }
    this.#video.close();
    this.#audio.close();
    this.peer.close();
    this.emit("closed", reason);
  }

  /**
   * What the answer negotiated: the video codec the master sends, and transport-cc (feedback
   * goes out when the master answered it; a master may not).
   */
  #takeAnswer(answer: string) {
    let sections;
    try {
      sections = parseMediaSections(answer);
    } catch {
      return; // libdatachannel took the answer: what it cannot say is H.264, no transport-cc
    }
    const codec = answeredVideoCodec(sections);
    if (codec) {
      this.videoCodec = codec;
      this.#receiver.video.receiveCodec(codec);
    }
    const id = answeredTransportCc(sections);
    if (id !== undefined) this.#receiver.enableTransportCc(id);
  }

  #closeFloodedDataChannel() {
    if (this.#dataChannelFlooded) return;
    this.#dataChannelFlooded = true;
    this.#o.log.warn("the master floods the data channel: closing it (media goes on)");
    try {
      this.#dataChannel?.close();
    } catch { /* closed already */ }
  }

  /** The receive chain, its packets to send going out on their tracks, its media as events. */
  #makeReceiver(): ViewerReceiver {
    return new ViewerReceiver({
      ssrc: this.#ssrc,
      now: () => performance.now(),
      videoClockRate: this.#video.clockRate,
      audioClockRate: this.#audio.clockRate,
      send: (track, packet) => (track === "video" ? this.#video : this.#audio).send(packet),
      events: {
        frame: (au) => {
          if (this.#receiver.stats.frames === 1) this.#o.timer?.end("firstFrame");
          this.emit("frame", au);
        },
        repeatedFrame: (au) => this.emit("repeatedFrame", au),
        audio: (packet, timestamp) => this.emit("audio", packet, timestamp),
      },
    });
  }
}
