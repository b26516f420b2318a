/**
 * The NACK step of a viewer's receive chain: of the sequence numbers missing now, which to ask
 * the sender for again. Each is asked for at once, then again every `intervalMs` up to
 * `maxRequests` times; what is asked for at once, and what is remembered, is bounded.
 */

/**
 * Missing sequence numbers tracked, oldest first: 512 is about half a second of a 10 Mbit/s
 * stream; a loss bigger than that is past repair by retransmission (the frame is given up and a
 * keyframe asked for), and the state stays a few KB whatever the network does.
 */
export const maxTrackedMissing = 512;
/**
 * Sequence numbers in one NACK, and one NACK a tick: at worst one FCI entry each, 12 + 4 * 128
 * bytes, well inside one packet; the rest wait for the next tick.
 */
export const maxNackedPerPacket = 128;

export interface NackGeneratorOptions {
  /** A missing packet is asked for again after this long without an answer. */
  intervalMs?: number;
  /** Times one packet is asked for at most. */
  maxRequests?: number;
}

export interface NackGeneratorStats {
  /** NACKs produced. */
  nacks: number;
  /** Sequence numbers asked for, requests again included. */
  requested: number;
}

export class NackGenerator {
  readonly stats: NackGeneratorStats = { nacks: 0, requested: 0 };
  readonly #intervalMs: number;
  readonly #maxRequests: number;
  /** By sequence number: how often it was asked for, and when last. */
  #asked = new Map<number, { count: number; lastAt: number }>();

  constructor(options: NackGeneratorOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 100;
    this.#maxRequests = options.maxRequests ?? 10;
  }

  /** Sequence numbers tracked now (for tests of the bound). */
  get tracked(): number {
    return this.#asked.size;
  }

  /**
   * Given the missing sequence numbers (oldest first) at `now`, the ones to put in a NACK now,
   * at most `maxNackedPerPacket`; numbers no longer missing are forgotten.
   */
  due(missing: readonly number[], now: number): number[] {
    const due: number[] = [];
    const asked = new Map<number, { count: number; lastAt: number }>();
    const tracked = Math.min(missing.length, maxTrackedMissing);
    for (let i = 0; i < tracked; i++) {
      const seq = missing[i];
      const previous = this.#asked.get(seq);
      const room = due.length < maxNackedPerPacket;
      if (!previous) {
        if (!room) continue; // first asked for on a later tick
        asked.set(seq, { count: 1, lastAt: now });
        due.push(seq);
        continue;
      }
      asked.set(seq, previous);
      if (
        room && now - previous.lastAt >= this.#intervalMs && previous.count < this.#maxRequests
      ) {
        previous.count++;
        previous.lastAt = now;
        due.push(seq);
      }
    }
    this.#asked = asked;
    if (due.length > 0) {
      this.stats.nacks++;
      this.stats.requested += due.length;
    }
    return due;
  }
}
