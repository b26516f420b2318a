/** RTP sequence numbers: 16 bits that wrap around (RFC 3550 A.1). */

/** a - b as the shortest signed distance on the 16-bit circle: -32768 .. 32767. */
export function seqDiff(a: number, b: number): number {
  return ((a - b + 0x8000) & 0xffff) - 0x8000;
}

/** True when `a` comes after `b`. */
export function seqNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/**
 * Turns 16-bit sequence numbers into ever-growing extended numbers (cycles * 65536 + seq),
 * judging each against the newest seen, so reordered and wrapped packets both land right.
 */
export class SequenceUnwrapper {
  #newest: number | undefined;

  unwrap(seq: number): number {
    if (this.#newest === undefined) {
      this.#newest = seq + 0x10000; // one cycle of headroom so early reordering stays positive
      return this.#newest;
    }
    const extended = this.#newest + seqDiff(seq, this.#newest & 0xffff);
    if (extended > this.#newest) this.#newest = extended;
    return extended;
  }
}
