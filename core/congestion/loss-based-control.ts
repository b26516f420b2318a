/**
 * The loss-based controller (draft-ietf-rmcat-gcc-02 6): over every sample of 20 or more
 * reported packets and half a second or more, a loss fraction above 10% cuts the rate by half
 * that fraction, below 2% lets it grow 5%; in between it holds. The draft takes the fraction
 * from receiver reports, a second apart; samples of 20 packets alone are so short that a
 * path losing a steady 7% (NACK repairs it) swings above 10% now and then and is cut, never
 * grown, until it is starved. It never grows beyond the delay-based rate: it is there to pull
 * the estimate under it when a path drops packets without queueing first.
 */

/** Reported packets a loss fraction is taken over, at least... */
export const lossSamplePackets = 20;
/** ...and the time it spans at least. */
export const lossSampleMs = 500;
const highLoss = 0.1;
const lowLoss = 0.02;
const growth = 1.05;

export class LossBasedControl {
  bps: number;
  /** The loss fraction of the latest sample; 0 before one. */
  lossFraction = 0;
  #lost = 0;
  #received = 0;
  #sampleFromMs = NaN;

  constructor(initialBps: number) {
    this.bps = initialBps;
  }

  /** A probe showed the path carries `bps`: taken while the latest sample's loss is low. */
  raiseTo(bps: number): void {
    if (this.lossFraction < lowLoss) this.bps = Math.max(this.bps, bps);
  }

  /** One feedback's counts of packets newly reported lost and received. */
  update(lost: number, received: number, delayBasedBps: number, nowMs: number): number {
    if (Number.isNaN(this.#sampleFromMs)) this.#sampleFromMs = nowMs;
    this.#lost += lost;
    this.#received += received;
    const total = this.#lost + this.#received;
    if (total >= lossSamplePackets && nowMs - this.#sampleFromMs >= lossSampleMs) {
      this.lossFraction = this.#lost / total;
      this.#lost = 0;
      this.#received = 0;
      this.#sampleFromMs = nowMs;
      if (this.lossFraction > highLoss) this.bps *= 1 - 0.5 * this.lossFraction;
      else if (this.lossFraction < lowLoss) this.bps *= growth;
    }
    this.bps = Math.min(this.bps, delayBasedBps);
    return this.bps;
  }
}
