/**
 * A viewer's receive chain for its video track (H.264 until the answer says another codec),
 * the mirror of a sender's chain:
 * reception statistics -> reorder and depacketize -> replay filter -> frames out, and on each
 * tick: frames given up or completed -> NACK generator -> keyframe (PLI) requester -> receiver
 * report. Packets and ticks come with the time (monotonic ms); RTCP goes out through `send`.
 */
import { buildNack } from "../../rtcp/nack.ts";
import { buildPli } from "../../rtcp/pli.ts";
import {
  type DepacketizedFrame,
  type DepacketizerOptions,
  RtpDepacketizer,
  type RtpPayloadFormat,
} from "../../rtp/depacketizer.ts";
import { h264PayloadFormat } from "../../rtp/h264-depacketizer.ts";
import { h265PayloadFormat } from "../../rtp/h265-depacketizer.ts";
import { vp8PayloadFormat } from "../../rtp/vp8-depacketizer.ts";
import type { VideoCodec } from "../video-codec.ts";
import { ReplayFilter } from "../replay-filter.ts";
import { KeyframeRequester } from "./keyframe-requester.ts";
import { maxTrackedMissing, NackGenerator, type NackGeneratorOptions } from "./nack-generator.ts";
import { TrackReception } from "./track-reception.ts";

export interface VideoReceiverOptions {
  /** Ours: the sender SSRC of our RTCP. */
  ssrc: number;
  clockRate: number;
  startedAt: number;
  /** Sends one RTCP packet on the track; false when it could not. */
  send(packet: Uint8Array): boolean;
  /** A frame not received before, in order. */
  frame(frame: DepacketizedFrame): void;
  /** A frame received again: the master answers a PLI with its GOP from the newest keyframe. */
  repeatedFrame(frame: DepacketizedFrame): void;
  depacketizer?: DepacketizerOptions;
  nack?: NackGeneratorOptions;
  keyframeRequestIntervalMs?: number;
}

const payloadFormats: Readonly<Record<VideoCodec, RtpPayloadFormat>> = {
  h264: h264PayloadFormat,
  h265: h265PayloadFormat,
  vp8: vp8PayloadFormat,
};

export class VideoReceiver {
  readonly reception: TrackReception;
  #depacketizer: RtpDepacketizer;
  readonly replays = new ReplayFilter();
  readonly nacks: NackGenerator;
  readonly keyframes: KeyframeRequester;
  /** Frames given out as new. */
  frames = 0;
  /** Frames given out as repeats. */
  framesRepeated = 0;
  readonly #o: VideoReceiverOptions;

  constructor(options: VideoReceiverOptions) {
    this.#o = options;
    this.reception = new TrackReception(options);
    this.#depacketizer = new RtpDepacketizer(h264PayloadFormat, options.depacketizer);
    this.nacks = new NackGenerator(options.nack);
    this.keyframes = new KeyframeRequester(options.keyframeRequestIntervalMs);
  }

  get depacketizer(): RtpDepacketizer {
    return this.#depacketizer;
  }

  /** The codec negotiated (the master's answer), before the first packet arrives. */
  receiveCodec(codec: VideoCodec): void {
    if (this.#depacketizer.stats.packets > 0) {
      throw new Error("the video codec is set before the first packet");
    }
    this.#depacketizer = new RtpDepacketizer(payloadFormats[codec], this.#o.depacketizer);
  }

  /** One packet from the track (RTP or RTCP). */
  receive(bytes: Uint8Array, now: number): void {
    const rtp = this.reception.receive(bytes, now);
    if (rtp) this.#deliver(this.depacketizer.push(rtp, now), now);
  }

  tick(now: number): void {
    this.#deliver(this.depacketizer.poll(now), now);
    const mediaSsrc = this.reception.stats?.ssrc;
    if (mediaSsrc === undefined) return;
    const due = this.nacks.due(this.depacketizer.missingSequenceNumbers(maxTrackedMissing), now);
    if (due.length > 0) {
      this.#o.send(buildNack({ senderSsrc: this.#o.ssrc, mediaSsrc, sequenceNumbers: due }));
    }
    if (this.keyframes.due(this.depacketizer.keyframeNeeded, now)) this.requestKeyframe(now);
    const report = this.reception.receiverReport(now);
    if (report) this.#o.send(report);
  }

  /** Sends a PLI now; false before the first packet (no SSRC to ask) or when it did not go. */
  requestKeyframe(now: number): boolean {
    const mediaSsrc = this.reception.stats?.ssrc;
    if (mediaSsrc === undefined) return false;
    this.keyframes.requested(now);
    this.replays.expectReplay(now);
    return this.#o.send(buildPli({ senderSsrc: this.#o.ssrc, mediaSsrc }));
  }

  #deliver(frames: DepacketizedFrame[], now: number) {
    for (const au of frames) {
      if (this.replays.accept(au.data, au.keyframe, now)) {
        this.frames++;
        this.#o.frame(au);
      } else {
        this.framesRepeated++;
        this.#o.repeatedFrame(au);
      }
    }
  }
}
