/**
 * A rate bound as AWS quotes them ("5 TPS"): tokens refill at `perSecond` up to `capacity`,
 * each accepted message takes one, and a message finding none is over the rate.
 */
export class TokenBucket {
  #tokens: number;
  #updatedMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
    private readonly now: () => number,
  ) {
    this.#tokens = capacity;
    this.#updatedMs = now();
  }

  take(): boolean {
    const nowMs = this.now();
    const refill = ((nowMs - this.#updatedMs) / 1000) * this.perSecond;
    this.#tokens = Math.min(this.capacity, this.#tokens + refill);
    this.#updatedMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
