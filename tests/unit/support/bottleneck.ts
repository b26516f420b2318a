/**
 * A simulated path for congestion-control tests: a drop-tail queue draining at a set
 * capacity (changeable at any time), then a fixed propagation delay. Time is the caller's.
 */
export class Bottleneck {
  #drainedAtMs = 0; // when the queue will have sent everything it holds

  constructor(
    public capacityBps: number,
    readonly delayMs: number,
    /** Most the queue holds, in ms of sending at the current capacity; more is dropped. */
    readonly queueLimitMs: number,
  ) {}

  /** The arrival time of a packet put on the path at `nowMs`, or undefined when dropped. */
  send(sizeBytes: number, nowMs: number): number | undefined {
    const start = Math.max(nowMs, this.#drainedAtMs);
    if (start - nowMs > this.queueLimitMs) return undefined;
    this.#drainedAtMs = start + (sizeBytes * 8 * 1000) / this.capacityBps;
    return this.#drainedAtMs + this.delayMs;
  }

  /** How long a packet sent now waits in the queue. */
  queueDelayMs(nowMs: number): number {
    return Math.max(0, this.#drainedAtMs - nowMs);
  }
}
