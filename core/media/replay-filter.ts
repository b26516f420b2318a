/**
 * Recognises the GOP a master sends again after a keyframe request. On PLI/FIR the master
 * restarts at its newest keyframe and sends that GOP up to its newest frame at once, with RTP
 * timestamps moved forward, so a viewer gets frames it already has again and cannot tell them
 * by timestamp. This filter tells them by content: it keeps a fingerprint (length and FNV-1a)
 * of each frame accepted since the last keyframe accepted. Once a request was sent
 * (expectReplay), a keyframe equal to that GOP's first frame starts a replay: it and the frames
 * after it that equal, in order, the frames held are repeats. The first frame that differs, or
 * goes past what is held, ends the replay and is new. Not armed, every frame is new (a looped
 * one-GOP file sends identical GOPs on purpose).
 */

/** How long after a keyframe request its replay is looked for. */
const armedMs = 1000;
/**
 * Fingerprints held for one GOP at most, 32 KiB: 4096 frames is over two minutes at 30 fps,
 * longer than any camera's GOP; frames after these are not recorded.
 */
const maxHeld = 4096;

/** 32-bit FNV-1a of the bytes. */
function fnv1a(data: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  return hash >>> 0;
}

export class ReplayFilter {
  /** Length and hash of each frame of the current GOP, in order, two entries a frame. */
  readonly #held = new Uint32Array(maxHeld * 2);
  #count = 0;
  /** Replays still expected (one a request), until `#armedUntil`. */
  #expected = 0;
  #armedUntil = -Infinity;
  /** Index in `#held` of the frame a replay in progress should repeat next; -1 when none. */
  #replayAt = -1;

  /** A keyframe was asked for at `nowMs`: its replay may come within the next second. */
  expectReplay(nowMs: number): void {
    this.#expected++;
    this.#armedUntil = nowMs + armedMs;
  }

  /** True when the frame is new; false when it repeats one already accepted. */
  accept(data: Uint8Array, keyframe: boolean, nowMs: number): boolean {
    const length = data.length;
    const hash = fnv1a(data);
    if (this.#replayAt >= 0) {
      if (this.#replayAt < this.#count && this.#matches(this.#replayAt, length, hash)) {
        this.#replayAt++;
        return false;
      }
      // The master's GOP is what it replayed, then this frame.
      this.#count = Math.min(this.#count, this.#replayAt);
      this.#replayAt = -1;
    }
    if (keyframe) {
      if (nowMs > this.#armedUntil) this.#expected = 0;
      if (this.#expected > 0 && this.#count > 0 && this.#matches(0, length, hash)) {
        this.#expected--;
        this.#replayAt = 1;
        return false;
      }
      this.#count = 0;
    }
    if (this.#count < maxHeld) {
      this.#held[2 * this.#count] = length;
      this.#held[2 * this.#count + 1] = hash;
      this.#count++;
    }
    return true;
  }

  #matches(index: number, length: number, hash: number): boolean {
    return this.#held[2 * index] === length && this.#held[2 * index + 1] === hash;
  }
}
