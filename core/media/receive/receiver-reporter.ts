/** The report step of a viewer's receive chain: when the next receiver report is due. */

/** RFC 3550 6.2 suggests at least 5 s; browsers send one a second, and so do we. */
export const defaultReceiverReportIntervalMs = 1000;

export class ReceiverReporter {
  readonly #intervalMs: number;
  #lastAt: number;

  /** `startedAt`: the first report is due one interval after it. */
  constructor(startedAt: number, intervalMs = defaultReceiverReportIntervalMs) {
    this.#lastAt = startedAt;
    this.#intervalMs = intervalMs;
  }

  /** True (and a new interval starts) when a report is due at `now`. */
  due(now: number): boolean {
    if (now - this.#lastAt < this.#intervalMs) return false;
    this.#lastAt = now;
    return true;
  }
}
