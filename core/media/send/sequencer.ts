/**
 * The first stage of a sender: which frames go out, as which RTP packets. It walks the ring
 * from the frame it starts at, plans each frame's payloads (cached, see payload-plans.ts) and
 * numbers the packets: sequence numbers, and timestamps from media time. A video viewer starts
 * at the newest keyframe (GOP cache): the frames from there to the newest go out as fast as the
 * pacer lets them, with timestamps one tick apart, so the viewer decodes them as a catch-up burst
 * rather than waiting for the next keyframe; the burst then runs on into the live frames, in
 * order. A restart (PLI/FIR) moves it to the newest keyframe again, shifting timestamps so they
 * never go backwards: a restart during a restart drops what is left of the first, so a viewer
 * has one restart in flight at most. A request while the newest keyframe is still going out is
 * already being answered: it changes nothing (a decoder asks every round trip until the
 * keyframe is whole, and a big one takes many round trips to pace out).
 *
 * The pacer may stop it between any two packets, mid-frame; it goes on from there in a later
 * turn, unless the ring has let go of that frame meanwhile.
 *
 * Keyframes only (a viewer whose bandwidth cannot take the stream): a frame begun goes out
 * whole, then every frame but keyframes is held back; back to every frame, it resumes at the
 * next keyframe, since the frames after it refer to those held back.
 */
import type { FrameRing, RingFrame } from "../frame-ring.ts";
import type { PacedWork, SendPacer } from "./pacer.ts";
import type { RtpPacketWriter } from "./packet-writer.ts";
import { payloadPlans } from "./payload-plans.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { SenderClock } from "./stage.ts";

export interface SequencerOptions {
  ring: FrameRing;
  writer: RtpPacketWriter;
  pacer: SendPacer;
  stats: TrackSenderStats;
  clock: SenderClock;
  /** 90000 for H.264, 48000 for Opus. */
  clockRate: number;
  maxPayload: number;
  initialSequenceNumber: number;
  initialTimestamp: number;
}

export class RtpSequencer implements PacedWork {
  readonly #o: SequencerOptions;
  #sequenceNumber: number;
  /** Ring index of the next frame to send; undefined before start(). */
  #next?: number;
  /** The frame being sent when the pacer stopped it, its next plan and its timestamp. */
  #partial?: RingFrame;
  #partialPlan = 0;
  #partialTimestamp = 0;
  /** Frames below `end` are a catch-up burst: timestamps one tick apart, ending at `ticks`. */
  #catchUp = { end: -1, ticks: 0 };
  /** Ticks added to every timestamp so a restart never makes them go backwards. */
  #shift = 0;
  #waitForKeyframe = false;
  #restartRequested = false;
  /** The keyframe being sent (after a restart or live), until all of it went out. */
  #keyframeOnTheWay?: RingFrame;
  #lastRestartAt = -Infinity;
  /** The RTP timestamp of the last frame sent, once one was. */
  #lastTimestamp?: number;
  #keyframesOnly = false;
  /** A frame was held back since keyframes-only began. */
  #heldBack = false;

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

  get keyframesOnly(): boolean {
    return this.#keyframesOnly;
  }

  set keyframesOnly(only: boolean) {
    if (only === this.#keyframesOnly) return;
    this.#keyframesOnly = only;
    if (!only && this.#heldBack) this.#skipToKeyframe();
    this.#heldBack = false;
  }

  /** Begins sending (as the pacer allows): video at the newest keyframe held, audio next. */
  start(): void {
    if (this.started) return;
    const ring = this.#o.ring;
    const keyframe = ring.newestKeyframe;
    if (keyframe) this.#restartAt(keyframe);
    else {
      this.#next = ring.nextIndex;
      this.#waitForKeyframe = ring.kind === "video";
    }
    this.#o.pacer.run();
  }

  /** The next picture this viewer gets is the newest keyframe (then the GOP after it). */
  restart(): void {
    this.#restartRequested = true;
  }

  /** Sends the frames of the ring not yet sent, while the pacer allows; true when some are left. */
  drain(): boolean {
    if (this.#next === undefined) return false;
    const ring = this.#o.ring;
    if (this.#restartRequested) {
      this.#restartRequested = false;
      const keyframe = ring.newestKeyframe;
      if (!keyframe || keyframe !== this.#keyframeOnTheWay) {
        this.#partial = undefined;
        if (keyframe) this.#restartAt(keyframe);
        else this.#skipToKeyframe();
      }
    }
    const stats = this.#o.stats;
    if (this.#partial && ring.get(this.#partial.index) !== this.#partial) {
      // The ring let go of it before it was all sent: its rest would not decode.
      this.#partial = undefined;
      stats.framesSkipped++;
      this.#skipToKeyframe();
    }
    if (this.#partial && !this.#sendRest()) return true;
    while (this.#next < ring.nextIndex) {
      let frame = ring.get(this.#next);
      if (!frame) {
        // Evicted before it went out: this viewer fell behind the ring.
        const keyframe = ring.keyframeFrom(this.#next);
        stats.framesSkipped += (keyframe?.index ?? ring.nextIndex) - this.#next;
        if (!keyframe) {
          this.#skipToKeyframe();
          this.#next = ring.nextIndex;
          return false;
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
      if (this.#keyframesOnly && !frame.keyframe) {
        stats.framesHeldBack++;
        this.#heldBack = true;
        continue;
      }
      if (frame.keyframe) this.#keyframeOnTheWay = frame;
      this.#partial = frame;
      this.#partialPlan = 0;
      this.#partialTimestamp = this.#timestampOf(frame);
      if (!this.#sendRest()) return true;
    }
    return false;
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
    this.#keyframeOnTheWay = undefined;
    this.#waitForKeyframe = this.#o.ring.kind === "video";
  }

  #mediaTicks(frame: RingFrame): number {
    return Math.round(frame.timeUs * this.#o.clockRate / 1e6);
  }

  /**
   * The RTP timestamp of media time `timeUs` for a live frame (not one of a catch-up burst):
   * what a sender report maps to the wall clock.
   */
  timestampAt(timeUs: number): number {
    const media = Math.round(timeUs * this.#o.clockRate / 1e6);
    return (this.#o.initialTimestamp + media + this.#shift) >>> 0;
  }

  #timestampOf(frame: RingFrame): number {
    const { end, ticks } = this.#catchUp;
    const media = frame.index < end ? ticks - (end - frame.index) : this.#mediaTicks(frame);
    return (this.#o.initialTimestamp + media + this.#shift) >>> 0;
  }

  /**
   * Sends the rest of the partial frame; false when the pacer stopped it (it stays partial). A
   * frame the transport refused is given up, and the sender waits for a keyframe.
   */
  #sendRest(): boolean {
    const frame = this.#partial!;
    const timestamp = this.#partialTimestamp;
    const { writer, pacer, maxPayload } = this.#o;
    const plans = payloadPlans(frame, maxPayload);
    for (let plan = this.#partialPlan; plan < plans.length; plan++) {
      if (!pacer.take(writer.packetLength(plans[plan]))) {
        this.#partialPlan = plan;
        return false;
      }
      const sequenceNumber = this.#sequenceNumber;
      if (!writer.write(frame, plan, plans[plan], sequenceNumber, timestamp, false)) {
        // Not sent: its sequence number goes to the next packet, so the viewer sees no gap.
        this.#partial = undefined;
        this.#skipToKeyframe();
        return true;
      }
      this.#sequenceNumber = (sequenceNumber + 1) & 0xffff;
      // From its first packet on: a restart's timestamps must come after this one.
      this.#lastTimestamp = timestamp;
    }
    this.#partial = undefined;
    if (frame === this.#keyframeOnTheWay) this.#keyframeOnTheWay = undefined;
    this.#o.stats.framesSent++;
    return true;
  }
}
