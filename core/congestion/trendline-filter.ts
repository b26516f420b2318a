/**
 * The trendline filter (as libwebrtc's delay-based estimator has it, in place of the draft's
 * Kalman filter): the delay variation samples are summed into an accumulated queueing delay,
 * smoothed, and the slope of a least-squares line through the last 20 (arrival time,
 * smoothed delay) points says whether the queue grows. The slope is scaled by the number of
 * samples and a gain so the over-use detector can compare it with a threshold in ms.
 */

export const trendlineWindow = 20;
const smoothing = 0.9;
const thresholdGain = 4;
/** The sample count stops scaling the slope here. */
const maxScalingSamples = 60;

export class TrendlineFilter {
  /** The scaled slope of the latest update; 0 until the window has filled once. */
  modifiedTrend = 0;
  /** The unscaled slope, for the detector's "still rising" test. */
  trend = 0;

  readonly #arrivalMs = new Float64Array(trendlineWindow);
  readonly #smoothedDelayMs = new Float64Array(trendlineWindow);
  #count = 0; // samples ever added
  #firstArrivalMs = NaN;
  #accumulatedDelayMs = 0;
  #smoothedMs = 0;

  update(sendDeltaMs: number, arrivalDeltaMs: number, arrivalMs: number): void {
    if (Number.isNaN(this.#firstArrivalMs)) this.#firstArrivalMs = arrivalMs;
    this.#accumulatedDelayMs += arrivalDeltaMs - sendDeltaMs;
    this.#smoothedMs = smoothing * this.#smoothedMs + (1 - smoothing) * this.#accumulatedDelayMs;
    const at = this.#count % trendlineWindow;
    this.#arrivalMs[at] = arrivalMs - this.#firstArrivalMs;
    this.#smoothedDelayMs[at] = this.#smoothedMs;
    this.#count++;
    if (this.#count < trendlineWindow) return;
    this.trend = this.#slope();
    this.modifiedTrend = Math.min(this.#count, maxScalingSamples) * this.trend * thresholdGain;
  }

  #slope(): number {
    let meanX = 0, meanY = 0;
    for (let i = 0; i < trendlineWindow; i++) {
      meanX += this.#arrivalMs[i];
      meanY += this.#smoothedDelayMs[i];
    }
    meanX /= trendlineWindow;
    meanY /= trendlineWindow;
    let numerator = 0, denominator = 0;
    for (let i = 0; i < trendlineWindow; i++) {
      const dx = this.#arrivalMs[i] - meanX;
      numerator += dx * (this.#smoothedDelayMs[i] - meanY);
      denominator += dx * dx;
    }
    return denominator === 0 ? this.trend : numerator / denominator;
  }
}
