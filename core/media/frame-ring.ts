/**
 * The frame ring of one track: the one place a frame's bytes live. Every consumer reads from
 * it, none copies: each viewer's sender, every retransmission, a producer's fragments.
 *
 * A consumer that needs frames kept takes a holder: "everything from frame index N on", N moving
 * forward as it is done with them, until it releases the holder. The RTP retransmit window is
 * one such holder (a time window behind the newest frame); for video, everything from the
 * newest keyframe on (the GOP cache a new viewer starts from) is kept as well. A frame goes once
 * nothing needs it, or when the ring reaches its byte cap: then the oldest frames go even if a
 * holder needs them, so the holder furthest behind loses first, and it is told (never silently).
 */
import type { MediaFrame, TrackKind } from "./media-frame.ts";

export interface RingFrame extends MediaFrame {
  /** Position in the ring's stream: 0, 1, 2, ... never reused. */
  readonly index: number;
}

/** Media time the RTP retransmit window keeps behind the newest frame. */
export const defaultRetransmitWindowUs = 1_000_000;

/**
 * The hard cap on the bytes one ring holds, whatever its holders need: 16 MiB is about a minute
 * of 2 Mbit/s video, far beyond any retransmit window or GOP, so only a stuck holder meets it.
 */
export const defaultRingMaxBytes = 16 << 20;

export interface FrameRingOptions {
  /** Media time the retransmit window keeps behind the newest frame. */
  windowUs?: number;
  /** Hard cap on the bytes held; the oldest frames go first, needed or not. */
  maxBytes?: number;
}

/** Frames a holder needed that the byte cap evicted: indexes first .. end - 1. */
export interface LostFrames {
  first: number;
  end: number;
}

/**
 * A consumer's claim on a ring: every frame from `from` on is kept for it (within the cap).
 * Made by FrameRing.hold or holdWindow.
 */
export class FrameHolder {
  readonly name: string;
  /** Frames it needed that the byte cap evicted, in all. */
  lostFrames = 0;
  /** Told each time the byte cap evicts frames this holder needed (its owner warns). */
  onLost?: (lost: LostFrames) => void;
  #from: number;
  #released = false;
  readonly #changed: (holder: FrameHolder) => void;

  constructor(name: string, from: number, changed: (holder: FrameHolder) => void) {
    this.name = name;
    this.#from = from;
    this.#changed = changed;
  }

  /** The oldest frame index it needs. */
  get from(): number {
    return this.#from;
  }

  get released(): boolean {
    return this.#released;
  }

  /** It needs only the frames from `index` on now; older ones may go. Never moves back. */
  holdFrom(index: number): void {
    if (this.#released) throw new Error(`the ${this.name} holder was released`);
    if (index < this.#from) {
      throw new RangeError(
        `the ${this.name} holder cannot move back from ${this.#from} to ${index}`,
      );
    }
    this.#from = index;
    this.#changed(this);
  }

  /** It needs nothing more. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#changed(this);
  }

  /** The ring evicted frames this holder needed: it is told and moves past them. */
  lose(end: number): void {
    const lost = { first: this.#from, end };
    this.#from = end;
    this.lostFrames += end - lost.first;
    this.onLost?.(lost);
  }
}

export class FrameRing {
  readonly #frames: RingFrame[] = [];
  readonly #maxBytes: number;
  readonly #holders = new Set<FrameHolder>();
  /** Holders that follow the newest frame by media time, with their window. */
  readonly #windows = new Map<FrameHolder, number>();
  #nextIndex = 0;
  #bytes = 0;
  #newestKeyframe?: RingFrame;

  readonly kind: TrackKind;
  /** The RTP retransmit window: the frames a NACK can still be answered from. */
  readonly retransmitWindow: FrameHolder;

  constructor(kind: TrackKind, options: FrameRingOptions = {}) {
    this.kind = kind;
    this.#maxBytes = options.maxBytes ?? defaultRingMaxBytes;
    this.retransmitWindow = this.holdWindow(
      "retransmit window",
      options.windowUs ?? defaultRetransmitWindowUs,
    );
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

  /** Holders not released (for leak checks). */
  get holderCount(): number {
    return this.#holders.size;
  }

  /**
   * A holder of every frame from `from` on (the next frame by default; the oldest held if
   * `from` is older). It moves on only when its owner calls holdFrom.
   */
  hold(name: string, from = this.#nextIndex): FrameHolder {
    const holder = new FrameHolder(name, Math.max(from, this.oldestIndex), (h) => this.#changed(h));
    this.#holders.add(holder);
    return holder;
  }

  /** A holder of the frames within `windowUs` of the newest one; it follows each push. */
  holdWindow(name: string, windowUs: number): FrameHolder {
    const holder = this.hold(name, this.oldestIndex);
    this.#windows.set(holder, windowUs);
    this.#follow(holder, windowUs);
    return holder;
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
    for (const [holder, windowUs] of this.#windows) this.#follow(holder, windowUs);
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

  /** Moves a window holder up to the oldest frame within its window of the newest. */
  #follow(holder: FrameHolder, windowUs: number) {
    const newest = this.newest;
    if (!newest) return;
    let from = holder.from;
    while (from < newest.index && newest.timeUs - this.get(from)!.timeUs > windowUs) from++;
    if (from !== holder.from) holder.holdFrom(from);
  }

  #changed(holder: FrameHolder) {
    if (holder.released) {
      this.#holders.delete(holder);
      this.#windows.delete(holder);
    }
    this.#evict();
  }

  #evict() {
    const newest = this.newest;
    if (!newest) return;
    let keepFrom = this.#newestKeyframe?.index ?? newest.index;
    for (const holder of this.#holders) keepFrom = Math.min(keepFrom, holder.from);
    while (this.#frames.length > 1) {
      const oldest = this.#frames[0];
      if (oldest.index >= keepFrom && this.#bytes <= this.#maxBytes) break;
      this.#frames.shift();
      this.#bytes -= oldest.bytes.length;
      if (oldest === this.#newestKeyframe) this.#newestKeyframe = undefined;
    }
    const oldestIndex = this.oldestIndex;
    for (const holder of this.#holders) if (holder.from < oldestIndex) holder.lose(oldestIndex);
  }
}
