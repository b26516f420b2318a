/**
 * The delay-based rate controller (draft-ietf-rmcat-gcc-02 5.5): additive increase,
 * multiplicative decrease, driven by the over-use detector. Over-use cuts the rate to 85% of
 * what the path delivered; normal use grows it 8% a second, or by about a packet per response
 * time once it is near the link capacity seen at earlier cuts; under-use holds it while the
 * queue drains. It never grows far beyond what the path is seen to deliver.
 */
import type { BandwidthUsage } from "./overuse-detector.ts";

const decreaseFactor = 0.85; // beta
const increasePerSecond = 1.08; // eta, the multiplicative growth a second
/** Time between the rate's response and the queue's: a round trip plus the 100 ms of feedback. */
const responseTimeMs = 300; // the round trip is not known from TWCC alone: 200 ms is assumed
const packetBits = 1200 * 8;
const minAdditiveBpsPerSecond = 4000;
/** Cuts closer together than this are one reaction to one queue. */
const minDecreaseIntervalMs = 200;
/** How far above the delivered rate the estimate may grow (and a fixed margin). */
const deliveredHeadroom = 1.5;
const deliveredMarginBps = 10_000;

type RateState = "hold" | "increase" | "decrease";

export class AimdRateControl {
  bps: number;
  #state: RateState = "increase";
  #lastUpdateMs = NaN;
  #lastDecreaseMs = -Infinity;
  readonly #capacity = new LinkCapacity();

  constructor(initialBps: number, readonly minBps: number, readonly maxBps: number) {
    this.bps = initialBps;
  }

  /**
   * One feedback's verdict; `deliveredBps` is NaN while not known. `queuedBps` is the rate a
   * recent train of packets arrived at while it queued (NaN for none): a cut backs off from it
   * when it is above `deliveredBps`, whose window (idle time included) understates the path
   * for a sender its source limits. Returns the new rate.
   */
  update(usage: BandwidthUsage, deliveredBps: number, queuedBps: number, nowMs: number): number {
    const elapsedMs = Number.isNaN(this.#lastUpdateMs) ? 0 : nowMs - this.#lastUpdateMs;
    this.#lastUpdateMs = nowMs;
    if (usage === "overusing") this.#state = "decrease";
    else if (usage === "underusing") this.#state = "hold";
    else if (this.#state === "hold") this.#state = "increase";
    if (this.#state === "increase") this.#increase(deliveredBps, Math.min(elapsedMs, 1000));
    else if (this.#state === "decrease" && nowMs - this.#lastDecreaseMs >= minDecreaseIntervalMs) {
      this.#decrease(queuedBps > deliveredBps ? queuedBps : deliveredBps);
      this.#lastDecreaseMs = nowMs;
      this.#state = "hold";
    }
    this.bps = Math.min(this.maxBps, Math.max(this.minBps, this.bps));
    return this.bps;
  }

  /** A probe showed the path carries `bps`: the rate goes up to it (never down). */
  raiseTo(bps: number): void {
    this.bps = Math.min(this.maxBps, Math.max(this.bps, bps));
  }

  #increase(deliveredBps: number, elapsedMs: number): void {
    if (deliveredBps > this.#capacity.upperBps) this.#capacity.reset(); // the path got wider
    let next: number;
    if (this.#capacity.known) {
      const perSecond = Math.max(minAdditiveBpsPerSecond, packetBits / (responseTimeMs / 1000));
      next = this.bps + (perSecond * elapsedMs) / 1000;
    } else {
      next = this.bps * increasePerSecond ** (elapsedMs / 1000);
    }
    if (!Number.isNaN(deliveredBps)) {
      const limit = deliveredHeadroom * deliveredBps + deliveredMarginBps;
      if (next > limit) next = Math.max(this.bps, limit); // no growth the path has not shown
    }
    this.bps = next;
  }

  #decrease(deliveredBps: number): void {
    if (Number.isNaN(deliveredBps)) {
      this.bps *= decreaseFactor;
      return;
    }
    if (deliveredBps < this.#capacity.lowerBps) this.#capacity.reset(); // the path narrowed
    this.bps = Math.min(this.bps, decreaseFactor * deliveredBps);
    this.#capacity.addCut(deliveredBps);
  }
}

/**
 * The delivered rate at the cuts, averaged, with its spread: the rate is "near capacity"
 * within three deviations of it, where growth turns additive.
 */
class LinkCapacity {
  #kbps = NaN;
  #variance = 0.4; // of the normalized error, in kbps

  get known(): boolean {
    return !Number.isNaN(this.#kbps);
  }

  get upperBps(): number {
    return this.known ? (this.#kbps + 3 * this.#deviationKbps()) * 1000 : Infinity;
  }

  get lowerBps(): number {
    return this.known ? Math.max(0, this.#kbps - 3 * this.#deviationKbps()) * 1000 : -Infinity;
  }

  addCut(deliveredBps: number): void {
    const sampleKbps = deliveredBps / 1000;
    this.#kbps = this.known ? 0.95 * this.#kbps + 0.05 * sampleKbps : sampleKbps;
    const error = this.#kbps - sampleKbps;
    this.#variance = 0.95 * this.#variance + (0.05 * error * error) / Math.max(this.#kbps, 1);
    this.#variance = Math.min(2.5, Math.max(0.4, this.#variance));
  }

  reset(): void {
    this.#kbps = NaN;
  }

  #deviationKbps(): number {
    return Math.sqrt(this.#variance * this.#kbps);
  }
}
