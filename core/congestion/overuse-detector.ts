/**
 * The over-use detector with an adaptive threshold (draft-ietf-rmcat-gcc-02 5.4 and 5.5):
 * a delay trend above the threshold for long enough is over-use, below its negative is
 * under-use. The threshold follows the trend, quickly down and slowly up, so the detector
 * neither starves against loss-based flows nor fires on every jitter.
 */

export type BandwidthUsage = "normal" | "overusing" | "underusing";

const initialThresholdMs = 12.5;
const minThresholdMs = 6;
const maxThresholdMs = 600;
const thresholdUpGain = 0.0087; // k_u: when the trend is above the threshold
const thresholdDownGain = 0.039; // k_d: when below
/** A trend further than this beyond the threshold is a spike and does not move it. */
const maxThresholdStepMs = 15;
/** How long the trend must stay above the threshold before it is over-use. */
const overuseTimeMs = 10;
/** Longest step a threshold update takes, so a pause in feedback does not swing it. */
const maxUpdateGapMs = 100;

export class OveruseDetector {
  usage: BandwidthUsage = "normal";
  thresholdMs = initialThresholdMs;

  #overuseMs = -1; // time spent above the threshold; -1 while below
  #overuseCount = 0;
  #previousTrend = 0;
  #lastUpdateMs = NaN;

  /** One packet-group sample: the filter's trend, the group's send spacing, its arrival. */
  detect(modifiedTrend: number, trend: number, sendDeltaMs: number, nowMs: number): BandwidthUsage {
    if (modifiedTrend > this.thresholdMs) {
      this.#overuseMs = this.#overuseMs < 0 ? sendDeltaMs / 2 : this.#overuseMs + sendDeltaMs;
      this.#overuseCount++;
      if (
        this.#overuseMs > overuseTimeMs && this.#overuseCount > 1 && trend >= this.#previousTrend
      ) {
        this.#overuseMs = 0;
        this.#overuseCount = 0;
        this.usage = "overusing";
      }
    } else if (modifiedTrend < -this.thresholdMs) {
      this.#overuseMs = -1;
      this.#overuseCount = 0;
      this.usage = "underusing";
    } else {
      this.#overuseMs = -1;
      this.#overuseCount = 0;
      this.usage = "normal";
    }
    this.#previousTrend = trend;
    this.#adaptThreshold(modifiedTrend, nowMs);
    return this.usage;
  }

  #adaptThreshold(modifiedTrend: number, nowMs: number): void {
    const gapMs = Number.isNaN(this.#lastUpdateMs) ? 0 : nowMs - this.#lastUpdateMs;
    this.#lastUpdateMs = nowMs;
    const magnitude = Math.abs(modifiedTrend);
    if (magnitude > this.thresholdMs + maxThresholdStepMs) return;
    const gain = magnitude < this.thresholdMs ? thresholdDownGain : thresholdUpGain;
    this.thresholdMs += gain * (magnitude - this.thresholdMs) * Math.min(gapMs, maxUpdateGapMs);
    this.thresholdMs = Math.min(maxThresholdMs, Math.max(minThresholdMs, this.thresholdMs));
  }
}
