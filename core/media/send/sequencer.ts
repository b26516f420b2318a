/**
 * The first stage of a sender: which frames go out, as which RTP packets. It walks the ring
 * from the frame it starts at, plans each frame's payloads (cached, see payload-plans.ts) and
 * numbers the packets: sequence numbers, and timestamps from media time. A video viewer starts
 * at the newest keyframe (GOP cache): the frames from there to the newest go out at once with
 * timestamps one tick apart, so the viewer decodes them as a catch-up burst rather than waiting
 * for the next keyframe. A restart (PLI/FIR) does the same again, shifting timestamps so they
 * never go backwards.
 */
import type { FrameRing, RingFrame } from "../frame-ring.ts";
import type { RtpPacketWriter } from "./packet-writer.ts";
import { payloadPlans } from "./payload-plans.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { SenderClock } from "./stage.ts";

export interface SequencerOptions {
  ring: FrameRing;
  writer: RtpPacketWriter;
  stats: TrackSenderStats;
  clock: SenderClock;
  /** 90000 for H.264, 48000 for Opus. */
  clockRate: number;
  maxPayload: number;
  initialSequenceNumber: number;
  initialTimestamp: number;
}

export class RtpSequencer {
  readonly #o: SequencerOptions;
  #sequenceNumber: number;
  /** Ring index of the next frame to send; undefined before start(). */
  #next?: number;
  /** Frames below `end` are a catch-up burst: timestamps one tick apart, ending at `ticks`. */
  #catchUp = { end: -1, ticks: 0 };
  /** Ticks added to every timestamp so a restart never makes them go backwards. */
  #shift = 0;
  #waitForKeyframe = false;
  #restartRequested = false;
  #lastRestartAt = -Infinity;
  /** The RTP timestamp of the last frame sent, once one was. */
  #lastTimestamp?: number;

  constructor(options: SequencerOptions) {
    this.#o = options;
    this.#sequenceNumber = options.initialSequenceNumber & 0xffff;
  }

  get started(): boolean {
    return this.#next !== undefined;
  }

  /** When it last (re)started at a keyframe (clock.now() milliseconds). */
  get lastRestartAt(): number {
    return this.#lastRestartAt;
  }

  /** Begins sending: video at the newest keyframe held, audio at the next packet. */
  start(): void {
    if (this.started) return;
    const ring = this.#o.ring;
    const keyframe = ring.newestKeyframe;
    if (keyframe) this.#restartAt(keyframe);
    else {
      this.#next = ring.nextIndex;
      this.#waitForKeyframe = ring.kind === "video";
    }
    this.pump();
  }

  /** The next picture this viewer gets is the newest keyframe (then the GOP after it). */
  restart(): void {
    this.#restartRequested = true;
    this.pump();
  }

  /** Sends every frame of the ring not yet sent to this viewer. Call after each ring push. */
  pump(): void {
    if (this.#next === undefined) return;
    const ring = this.#o.ring;
    if (this.#restartRequested) {
      this.#restartRequested = false;
      const keyframe = ring.newestKeyframe;
      if (keyframe) this.#restartAt(keyframe);
      else this.#skipToKeyframe();
    }
    const stats = this.#o.stats;
    while (this.#next < ring.nextIndex) {
      let frame = ring.get(this.#next);
      if (!frame) {
        // Evicted before it went out: this viewer fell behind the ring.
        const keyframe = ring.keyframeFrom(this.#next);
        stats.framesSkipped += (keyframe?.index ?? ring.nextIndex) - this.#next;
        if (!keyframe) {
          this.#skipToKeyframe();
          this.#next = ring.nextIndex;
          return;
        }
        frame = keyframe;
        this.#next = keyframe.index;
      }
      this.#next++;
      if (this.#waitForKeyframe) {
        if (!frame.keyframe) {
          stats.framesSkipped++;
          continue;
        }
        this.#waitForKeyframe = false;
      }
      if (!this.#sendFrame(frame)) this.#skipToKeyframe();
    }
  }

  #restartAt(keyframe: RingFrame) {
    const ring = this.#o.ring;
    const newest = ring.newest!;
    this.#next = keyframe.index;
    this.#catchUp = { end: newest.index, ticks: this.#mediaTicks(newest) };
    this.#waitForKeyframe = false;
    this.#lastRestartAt = this.#o.clock.now();
    if (this.#lastTimestamp !== undefined) {
      this.#o.stats.keyframeRestarts++;
      // The burst's first timestamp must come after the last one sent.
      const behind = (this.#lastTimestamp - this.#timestampOf(keyframe)) | 0;
      if (behind >= 0) this.#shift += behind + 1;
    }
  }

  #skipToKeyframe() {
    this.#waitForKeyframe = this.#o.ring.kind === "video";
  }

  #mediaTicks(frame: RingFrame): number {
    return Math.round(frame.timeUs * this.#o.clockRate / 1e6);
  }

  #timestampOf(frame: RingFrame): number {
    const { end, ticks } = this.#catchUp;
    const media = frame.index < end ? ticks - (end - frame.index) : this.#mediaTicks(frame);
    return (this.#o.initialTimestamp + media + this.#shift) >>> 0;
  }

  #sendFrame(frame: RingFrame): boolean {
    const timestamp = this.#timestampOf(frame);
    const plans = payloadPlans(frame, this.#o.maxPayload);
    for (let plan = 0; plan < plans.length; plan++) {
      const sequenceNumber = this.#sequenceNumber;
      if (!this.#o.writer.write(frame, plan, plans[plan], sequenceNumber, timestamp, false)) {
        // Not sent: its sequence number goes to the next packet, so the viewer sees no gap.
        return false;
      }
      this.#sequenceNumber = (sequenceNumber + 1) & 0xffff;
    }
    this.#o.stats.framesSent++;
    this.#lastTimestamp = timestamp;
    return true;
  }
}
