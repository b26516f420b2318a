/**
 * A bitrate over a sliding time window: sizes added at their times (roughly increasing), held
 * in typed-array rings, so adding allocates nothing. The estimator takes what the path
 * delivered from it (by arrival times over half a second: what the rate controller backs off
 * from on over-use and may not grow far beyond); a broadcast, its stream's bitrate.
 */

export class RateWindow {
  readonly #windowMs: number;
  /** Below this span the rate is too noisy to act on. */
  readonly #minSpanMs: number;
  readonly #capacity: number;
  readonly #atMs: Float64Array;
  readonly #sizeBytes: Float64Array;
  #oldest = 0; // ring index of the oldest entry held
  #count = 0;
  #bytes = 0; // held entries' bytes, the oldest one's excluded: it opens the span

  /** `capacity` entries at most: more in the window push the oldest out early. */
  constructor(options: { windowMs: number; minSpanMs: number; capacity: number }) {
    this.#windowMs = options.windowMs;
    this.#minSpanMs = options.minSpanMs;
    this.#capacity = options.capacity;
    this.#atMs = new Float64Array(options.capacity);
    this.#sizeBytes = new Float64Array(options.capacity);
  }

  add(atMs: number, sizeBytes: number): void {
    if (this.#count === this.#capacity) this.#dropOldest();
    const at = (this.#oldest + this.#count) % this.#capacity;
    this.#atMs[at] = atMs;
    this.#sizeBytes[at] = sizeBytes;
    if (this.#count > 0) this.#bytes += sizeBytes;
    this.#count++;
    while (this.#count > 1 && atMs - this.#atMs[this.#oldest] > this.#windowMs) {
      this.#dropOldest();
    }
  }

  /** Bits per second over the window; NaN until it spans the shortest span. */
  get bps(): number {
    if (this.#count < 2) return NaN;
    const newest = (this.#oldest + this.#count - 1) % this.#capacity;
    const spanMs = this.#atMs[newest] - this.#atMs[this.#oldest];
    return spanMs < this.#minSpanMs ? NaN : (this.#bytes * 8 * 1000) / spanMs;
  }

  #dropOldest(): void {
    this.#oldest = (this.#oldest + 1) % this.#capacity;
    this.#count--;
    if (this.#count > 0) this.#bytes -= this.#sizeBytes[this.#oldest];
  }
}
