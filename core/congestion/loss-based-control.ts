/**
 * The loss-based controller (draft-ietf-rmcat-gcc-02 6): over every 20 or more reported
 * packets, a loss fraction above 10% cuts the rate by half that fraction, below 2% lets it
 * grow 5%; in between it holds. Cuts come 300 ms apart at most, as libwebrtc spaces them,
 * so one burst of loss is not cut for again and again before the cut shows. It never grows
 * beyond the delay-based rate: it is there to pull the estimate under it when a path drops
 * packets without queueing first.
 */

/** Reported packets a loss fraction is taken over. */
export const lossSamplePackets = 20;
const highLoss = 0.1;
const lowLoss = 0.02;
const growth = 1.05;
const minDecreaseIntervalMs = 300;

export class LossBasedControl {
  bps: number;
  /** The loss fraction of the latest sample; 0 before one. */
  lossFraction = 0;
  #lost = 0;
  #received = 0;
  #lastDecreaseMs = -Infinity;

  constructor(initialBps: number) {
    this.bps = initialBps;
  }

  /** A probe showed the path carries `bps`: taken while the latest sample's loss is low. */
  raiseTo(bps: number): void {
    if (this.lossFraction < lowLoss) this.bps = Math.max(this.bps, bps);
  }

  /** One feedback's counts of packets newly reported lost and received. */
  update(lost: number, received: number, delayBasedBps: number, nowMs: number): number {
    this.#lost += lost;
    this.#received += received;
    const total = this.#lost + this.#received;
    if (total >= lossSamplePackets) {
      this.lossFraction = this.#lost / total;
      this.#lost = 0;
      this.#received = 0;
      if (this.lossFraction > highLoss) {
        if (nowMs - this.#lastDecreaseMs >= minDecreaseIntervalMs) {
          this.bps *= 1 - 0.5 * this.lossFraction;
          this.#lastDecreaseMs = nowMs;
        }
      } else if (this.lossFraction < lowLoss) this.bps *= growth;
    }
    this.bps = Math.min(this.bps, delayBasedBps);
    return this.bps;
  }
}
