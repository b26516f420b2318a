/**
 * Cuts the frames of a frame ring (video, and Opus when there is audio) into KVS fragments:
 * each starts at a video keyframe, as the producer SDKs' key-frame fragmentation does, and
 * keeps references to the ring's frames, never copies of their bytes.
 *
 * A GOP longer than the maximum fragment duration: PIC's key-frame fragmentation cuts only at
 * keyframes and leaves such a fragment to the service, which refuses it (4002 past 10 s). Here
 * the fragment ends at the maximum instead, and the frames until the next keyframe (which has
 * to start the next fragment) are dropped and counted: a hole in the recording, not a refused
 * fragment and a reconnect.
 */
import type { RingFrame } from "../media/frame-ring.ts";

/** The longest fragment by default: under the 10 s AWS accepts (4002 past it), with a margin. */
export const defaultMaxFragmentMs = 9_000;

/**
 * The shortest fragment a keyframe may end: AWS takes at most 5 fragments a second from a
 * client, so a source with keyframes closer than this gets fragments of several GOPs.
 */
export const defaultMinFragmentMs = 200;

export interface OutgoingFragment {
  /** The Cluster Timecode: ms since the Unix epoch (ABSOLUTE timecodes). */
  readonly timecodeMs: number;
  /** The ring frames in it, in upload order (video and audio interleaved as they came). */
  readonly frames: RingFrame[];
  /** Set once the next keyframe (or the maximum) ended it; then no frame joins it. */
  complete: boolean;
  /** Bytes of frame data it references (held in the rings, not here). */
  bytes: number;
}

/** What one frame did to the fragments (any of the three may be absent). */
export interface FragmenterStep {
  /** The fragment that was open until this frame. */
  ended?: OutgoingFragment;
  /** The fragment this frame started (its first frame, a keyframe). */
  started?: OutgoingFragment;
  /** The fragment the frame went into; absent when it was dropped. */
  into?: OutgoingFragment;
}

/** Frames that went into no fragment, by why. */
export interface SkippedFrames {
  /** Before the first keyframe (nothing to start a fragment with). */
  beforeKeyframe: number;
  /** After a GOP reached the maximum fragment duration, until the next keyframe. */
  overLongGop: number;
  /** Older than the open fragment's timecode (a cluster's blocks may not precede it). */
  late: number;
}

export interface FragmenterOptions {
  /** Wall time of media time 0, ms since the Unix epoch: a frame's timecode is this plus its time. */
  startWallMs: number;
  maxFragmentMs?: number;
  minFragmentMs?: number;
}

export class Fragmenter {
  readonly #startWallMs: number;
  readonly #maxMs: number;
  readonly #minMs: number;
  #open?: OutgoingFragment;
  #lastTimecodeMs = -Infinity;
  readonly skipped: SkippedFrames = { beforeKeyframe: 0, overLongGop: 0, late: 0 };

  constructor(options: FragmenterOptions) {
    this.#startWallMs = options.startWallMs;
    this.#maxMs = options.maxFragmentMs ?? defaultMaxFragmentMs;
    this.#minMs = options.minFragmentMs ?? defaultMinFragmentMs;
    if (!(this.#maxMs > this.#minMs)) {
      throw new RangeError(
        `a maximum fragment duration of ${this.#maxMs} ms is not above the minimum ${this.#minMs} ms`,
      );
    }
  }

  /** The open fragment, if any. */
  get open(): OutgoingFragment | undefined {
    return this.#open;
  }

  /** A frame's timecode: ms since the Unix epoch. */
  timecodeMs(frame: RingFrame): number {
    return this.#startWallMs + Math.round(frame.timeUs / 1000);
  }

  push(frame: RingFrame): FragmenterStep {
    const timecodeMs = this.timecodeMs(frame);
    const open = this.#open;
    const step: FragmenterStep = {};
    if (open && timecodeMs - open.timecodeMs >= this.#maxMs) step.ended = this.finish();
    if (frame.kind === "video" && frame.keyframe) {
      if (this.#open && timecodeMs - this.#open.timecodeMs >= this.#minMs) {
        step.ended = this.finish();
      }
      if (!this.#open && timecodeMs > this.#lastTimecodeMs) {
        this.#open = { timecodeMs, frames: [], complete: false, bytes: 0 };
        this.#lastTimecodeMs = timecodeMs;
        step.started = this.#open;
      }
    }
    const into = this.#open;
    if (!into) {
      if (this.#lastTimecodeMs === -Infinity) this.skipped.beforeKeyframe++;
      else this.skipped.overLongGop++;
    } else if (timecodeMs < into.timecodeMs) {
      this.skipped.late++;
    } else {
      into.frames.push(frame);
      into.bytes += frame.bytes.length;
      step.into = into;
    }
    return step;
  }

  /** Ends the open fragment (at the maximum, or when the upload stops); returns it. */
  finish(): OutgoingFragment | undefined {
    const open = this.#open;
    if (open) open.complete = true;
    this.#open = undefined;
    return open;
  }
}
