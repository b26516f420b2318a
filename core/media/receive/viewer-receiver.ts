/**
 * Everything a viewer does with what it receives, without a network or a timer: fed each
 * packet of its video and audio tracks (RTP or RTCP) and ticked every few tens of
 * milliseconds, it gives out frames and audio packets and hands back the RTCP to send (NACK,
 * PLI, receiver reports, and transport-cc feedback every ~100 ms once the master answered
 * transport-cc). The clock is injected, so tests drive time.
 */
import type { DepacketizedAccessUnit } from "../../rtp/h264-depacketizer.ts";
import { TransportCcRecorder } from "../../congestion/feedback-recorder.ts";
import { isRtcp } from "../../rtcp/header.ts";
import { buildTransportCc } from "../../rtcp/transport-cc.ts";
import { readTransportWideSequence } from "../../rtp/transport-wide-sequence.ts";
import type { TrackKind } from "../media-frame.ts";
import { AudioReceiver } from "./audio-receiver.ts";
import { VideoReceiver, type VideoReceiverOptions } from "./video-receiver.ts";

/** How often the adapter should call `tick`: NACKs go out within this of a gap. */
export const receiverTickMs = 20;
/** How often transport-cc feedback goes out, as browsers send it. */
export const transportCcFeedbackIntervalMs = 100;

export interface ReceiverEvents {
  /** A frame not received before, in order. */
  frame(accessUnit: DepacketizedAccessUnit): void;
  /** A frame received again: the master answers a PLI with its GOP from the newest keyframe. */
  repeatedFrame(accessUnit: DepacketizedAccessUnit): void;
  audio(packet: Uint8Array, timestamp: number): void;
}

export interface ViewerReceiverOptions {
  /** Ours: the sender SSRC of our RTCP. */
  ssrc: number;
  /** Monotonic milliseconds. */
  now(): number;
  videoClockRate: number;
  audioClockRate: number;
  /** Sends one RTCP packet on a track; false when it could not. */
  send(track: TrackKind, packet: Uint8Array): boolean;
  events: ReceiverEvents;
  /** Tests tune the video chain's bounds and intervals. */
  video?: Pick<VideoReceiverOptions, "depacketizer" | "nack" | "keyframeRequestIntervalMs">;
}

export interface ReceiverStats {
  /** Frames received, each once. */
  frames: number;
  /** Frames received again after a PLI, and skipped. */
  framesRepeated: number;
  audioPackets: number;
  videoBytes: number;
  audioBytes: number;
  /** Packets never received so far, both tracks. */
  packetsLost: number;
  /** RTP packets received, both tracks. */
  packets: number;
  nacksSent: number;
  plisSent: number;
  /** Frames that could not be given out (lost packets, malformed or oversized, no keyframe). */
  framesDropped: number;
  /** transport-cc feedback messages sent (0 when it was not negotiated). */
  transportCcFeedbacks: number;
}

export class ViewerReceiver {
  readonly video: VideoReceiver;
  readonly audio: AudioReceiver;
  readonly #now: () => number;
  readonly #ssrc: number;
  readonly #send: ViewerReceiverOptions["send"];
  #transportCc?: { extensionId: number; recorder: TransportCcRecorder; sentAt: number };
  #transportCcFeedbacks = 0;

  constructor(options: ViewerReceiverOptions) {
    this.#now = options.now;
    const startedAt = options.now();
    const { ssrc, events, send } = options;
    this.#ssrc = ssrc;
    this.#send = send;
    this.video = new VideoReceiver({
      ...options.video,
      ssrc,
      startedAt,
      clockRate: options.videoClockRate,
      send: (packet) => send("video", packet),
      frame: (au) => events.frame(au),
      repeatedFrame: (au) => events.repeatedFrame(au),
    });
    this.audio = new AudioReceiver({
      ssrc,
      startedAt,
      clockRate: options.audioClockRate,
      send: (packet) => send("audio", packet),
      audio: (packet, timestamp) => events.audio(packet, timestamp),
    });
  }

  /** The master answered transport-cc with this extension id: arrivals are reported. */
  enableTransportCc(extensionId: number): void {
    const sentAt = this.#now();
    this.#transportCc = { extensionId, recorder: new TransportCcRecorder(), sentAt };
  }

  /**
   * A packet's arrival, for transport-cc: call it as the packet arrives, before it waits for
   * its turn to be received, so the feedback reports the network's delay and not ours.
   */
  arrived(packet: Uint8Array): void {
    const twcc = this.#transportCc;
    if (!twcc || isRtcp(packet)) return;
    const sequenceNumber = readTransportWideSequence(packet, twcc.extensionId);
    if (sequenceNumber >= 0) twcc.recorder.onPacketReceived(sequenceNumber, this.#now());
  }

  /** One packet that arrived on a track. */
  receive(track: TrackKind, packet: Uint8Array): void {
    (track === "video" ? this.video : this.audio).receive(packet, this.#now());
  }

  /** Gives up what waited too long and sends the NACK, PLI, reports and feedback now due. */
  tick(): void {
    const now = this.#now();
    this.video.tick(now);
    this.audio.tick(now);
    const twcc = this.#transportCc;
    if (twcc && now - twcc.sentAt >= transportCcFeedbackIntervalMs) {
      twcc.sentAt = now;
      const mediaSsrc = this.video.reception.stats?.ssrc ?? this.audio.reception.stats?.ssrc ?? 0;
      const feedback = twcc.recorder.buildFeedback(this.#ssrc, mediaSsrc);
      if (feedback && this.#send("video", buildTransportCc(feedback))) this.#transportCcFeedbacks++;
    }
  }

  /**
   * When the sender's clock says a track's RTP timestamp was live (Unix ms, from its sender
   * reports): one clock for both tracks. Undefined before the track's first report.
   */
  senderTimeMs(track: TrackKind, rtpTimestamp: number): number | undefined {
    return (track === "video" ? this.video : this.audio).reception.senderTimeline.unixMs(
      rtpTimestamp,
    );
  }

  /** Sends a PLI now (the master should answer with a keyframe). */
  requestKeyframe(): boolean {
    return this.video.requestKeyframe(this.#now());
  }

  /** Says on both tracks that this receiver leaves (RTCP BYE), before its connection closes. */
  goodbye(): void {
    const now = this.#now();
    const video = this.video.reception.goodbye(now);
    const audio = this.audio.reception.goodbye(now);
    if (video) this.#send("video", video);
    if (audio) this.#send("audio", audio);
  }

  get stats(): ReceiverStats {
    const video = this.video.reception.stats;
    const audio = this.audio.reception.stats;
    return {
      frames: this.video.frames,
      framesRepeated: this.video.framesRepeated,
      audioPackets: this.audio.packets,
      videoBytes: video?.bytes ?? 0,
      audioBytes: audio?.bytes ?? 0,
      packets: (video?.packets ?? 0) + (audio?.packets ?? 0),
      packetsLost: (video?.lost ?? 0) + (audio?.lost ?? 0),
      nacksSent: this.video.nacks.stats.nacks,
      plisSent: this.video.keyframes.requests,
      framesDropped: this.video.depacketizer.stats.droppedFrames,
      transportCcFeedbacks: this.#transportCcFeedbacks,
    };
  }
}
