/**
 * The fuzzer's only source of randomness: a small seeded generator (mulberry32), so every case
 * is reproducible from the run's seed, the target's name and the case number alone.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** For case `index` of `target` in a run seeded with `seed`: independent of every other case. */
  static forCase(seed: number, target: string, index: number): Rng {
    let h = 0x811c9dc5 ^ seed;
    for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
    return new Rng(h);
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 2 ** 32) * n);
  }

  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}
