/**
 * The frame ring of one track: the one place a frame's bytes live. Every viewer's sender reads
 * from it and every retransmission is written from it, so memory does not grow with viewers.
 * It keeps the retransmit window (newest frames by media time) and, for video, everything from
 * the newest keyframe on (the GOP cache a new viewer starts from), within a byte budget.
 */
import type { MediaFrame, TrackKind } from "./media-frame.ts";

export interface RingFrame extends MediaFrame {
  /** Position in the ring's stream: 0, 1, 2, ... never reused. */
  readonly index: number;
}

export interface FrameRingOptions {
  /** Media time kept behind the newest frame, for retransmissions. */
  windowUs?: number;
  /** Hard cap on the bytes held; the oldest frames go first, the GOP cache too if need be. */
  maxBytes?: number;
}

export class FrameRing {
  readonly #frames: RingFrame[] = [];
  readonly #windowUs: number;
  readonly #maxBytes: number;
  #nextIndex = 0;
  #bytes = 0;
  #newestKeyframe?: RingFrame;

  readonly kind: TrackKind;

  constructor(kind: TrackKind, options: FrameRingOptions = {}) {
    this.kind = kind;
    this.#windowUs = options.windowUs ?? 1_000_000;
    this.#maxBytes = options.maxBytes ?? 16 << 20;
  }

  /** Bytes of frame data held. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#frames.length;
  }

  /** Index the next pushed frame gets (one past the newest). */
  get nextIndex(): number {
    return this.#nextIndex;
  }

  /** Index of the oldest frame held (nextIndex when the ring is empty). */
  get oldestIndex(): number {
    return this.#frames[0]?.index ?? this.#nextIndex;
  }

  get newest(): RingFrame | undefined {
    return this.#frames[this.#frames.length - 1];
  }

  /** The newest keyframe still held (where a new viewer or a PLI starts). */
  get newestKeyframe(): RingFrame | undefined {
    return this.#newestKeyframe;
  }

  push(frame: MediaFrame): RingFrame {
    if (frame.kind !== this.kind) {
      throw new TypeError(`a ${frame.kind} frame in a ${this.kind} ring`);
    }
    const newest = this.newest;
    if (newest && frame.timeUs < newest.timeUs) {
      throw new RangeError(
        `frame time ${frame.timeUs} µs is before the newest ${newest.timeUs} µs`,
      );
    }
    const ringed: RingFrame = { ...frame, index: this.#nextIndex++ };
    this.#frames.push(ringed);
    this.#bytes += frame.bytes.length;
    if (frame.keyframe) this.#newestKeyframe = ringed;
    this.#evict();
    return ringed;
  }

  /** The frame at `index`, or undefined when it was evicted or does not exist yet. */
  get(index: number): RingFrame | undefined {
    const first = this.#frames[0];
    return first ? this.#frames[index - first.index] : undefined;
  }

  /** The first keyframe at or after `index`, if held. */
  keyframeFrom(index: number): RingFrame | undefined {
    const first = this.#frames[0];
    if (!first) return undefined;
    for (let i = Math.max(0, index - first.index); i < this.#frames.length; i++) {
      if (this.#frames[i].keyframe) return this.#frames[i];
    }
    return undefined;
  }

  #evict() {
    const newest = this.newest!;
    const keepFrom = this.#newestKeyframe?.index ?? newest.index;
    while (this.#frames.length > 1) {
      const oldest = this.#frames[0];
      const overBudget = this.#bytes > this.#maxBytes;
      const outOfWindow = newest.timeUs - oldest.timeUs > this.#windowUs && oldest.index < keepFrom;
      if (!overBudget && !outOfWindow) break;
      this.#frames.shift();
      this.#bytes -= oldest.bytes.length;
      if (oldest === this.#newestKeyframe) this.#newestKeyframe = undefined;
    }
  }
}
