/**
 * The rate at which packets reached the receiver, by their reported arrival times over the
 * last half second: what the path delivered, which the rate controller backs off from on
 * over-use and may not grow far beyond. Packets are held in typed-array rings.
 */

export const acknowledgedWindowMs = 500;
/** Packets the window can hold: half a second at 8000 packets/s. */
const capacity = 4096;
/** Shortest arrival span a rate is computed over; shorter is too noisy to act on. */
const minSpanMs = 100;

export class AcknowledgedBitrate {
  readonly #arrivalMs = new Float64Array(capacity);
  readonly #sizeBytes = new Uint16Array(capacity);
  #oldest = 0; // ring index of the oldest packet held
  #count = 0;
  #bytes = 0; // held packets' bytes, the oldest one's excluded: it opens the span

  /** Adds an acknowledged packet; arrivals are expected in roughly increasing order. */
  add(arrivalMs: number, sizeBytes: number): void {
    if (this.#count === capacity) this.#dropOldest();
    const at = (this.#oldest + this.#count) % capacity;
    this.#arrivalMs[at] = arrivalMs;
    this.#sizeBytes[at] = sizeBytes;
    if (this.#count > 0) this.#bytes += sizeBytes;
    this.#count++;
    while (this.#count > 1 && arrivalMs - this.#arrivalMs[this.#oldest] > acknowledgedWindowMs) {
      this.#dropOldest();
    }
  }

  /** Bits per second over the window; NaN until it spans at least 100 ms. */
  get bps(): number {
    if (this.#count < 2) return NaN;
    const newest = (this.#oldest + this.#count - 1) % capacity;
    const spanMs = this.#arrivalMs[newest] - this.#arrivalMs[this.#oldest];
    return spanMs < minSpanMs ? NaN : (this.#bytes * 8 * 1000) / spanMs;
  }

  #dropOldest(): void {
    this.#oldest = (this.#oldest + 1) % capacity;
    this.#count--;
    if (this.#count > 0) this.#bytes -= this.#sizeBytes[this.#oldest];
  }
}
