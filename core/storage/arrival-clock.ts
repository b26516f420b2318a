/**
 * One track's media time as the storage peer records it: wall-clock ms since the Unix epoch,
 * anchored at the first packet's arrival and advanced by RTP time after it (unwrapped past the
 * 32-bit wrap), so jitter on arrival does not move frames around.
 */
export class ArrivalClock {
  readonly #clockRate: number;
  #anchorWallMs?: number;
  #lastTimestamp = 0;
  /** RTP ticks since the anchor. */
  #ticks = 0;

  constructor(clockRate: number) {
    this.#clockRate = clockRate;
  }

  /** The wall time (ms since the epoch, fractional) of a packet with this RTP timestamp. */
  wallMs(rtpTimestamp: number, arrivalWallMs: number): number {
    if (this.#anchorWallMs === undefined) {
      this.#anchorWallMs = arrivalWallMs;
      this.#lastTimestamp = rtpTimestamp;
      return arrivalWallMs;
    }
    // The signed 32-bit distance from the last timestamp: a wrap is a small step forward.
    this.#ticks += (rtpTimestamp - this.#lastTimestamp) | 0;
    this.#lastTimestamp = rtpTimestamp;
    return this.#anchorWallMs + (this.#ticks * 1000) / this.#clockRate;
  }
}
