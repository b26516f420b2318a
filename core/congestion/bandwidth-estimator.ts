/**
 * A send-side bandwidth estimate for one peer connection, in the manner of Google Congestion
 * Control (draft-ietf-rmcat-gcc-02) fed by transport-cc feedback: the sender records each
 * packet it sends under its transport-wide sequence number; each feedback gives arrival
 * times, from which packet-group delay variation, a trendline and an over-use detector drive
 * a delay-based AIMD rate, while the losses it reports drive a loss-based one. The estimate
 * is the lower of the two, capped by the receiver's REMB when it sends one. Time is the
 * caller's (`nowMs` on every call), so tests run it on a fake clock.
 */
import type { TransportCcFeedback } from "../rtcp/transport-cc.ts";
import { referenceTimeUnitUs } from "../rtcp/transport-cc.ts";
import { AcknowledgedBitrate } from "./acknowledged-bitrate.ts";
import { AimdRateControl } from "./aimd-rate-control.ts";
import { InterGroupDelay } from "./inter-group-delay.ts";
import { LossBasedControl } from "./loss-based-control.ts";
import { type BandwidthUsage, OveruseDetector } from "./overuse-detector.ts";
import { SendHistory } from "./send-history.ts";
import { TrendlineFilter } from "./trendline-filter.ts";

export interface BandwidthEstimatorOptions {
  /** The estimate before any feedback (default 1 Mbit/s). */
  initialBps?: number;
  /** The estimate never goes below this (default 100 kbit/s)... */
  minBps?: number;
  /** ...nor above this (default 20 Mbit/s). */
  maxBps?: number;
}

const referenceTimeWrap = 1 << 24;

export class BandwidthEstimator {
  readonly #history = new SendHistory();
  readonly #groups = new InterGroupDelay();
  readonly #trendline = new TrendlineFilter();
  readonly #detector = new OveruseDetector();
  readonly #delivered = new AcknowledgedBitrate();
  readonly #delayBased: AimdRateControl;
  readonly #lossBased: LossBasedControl;
  #rembBps = Infinity;
  #referenceMs = NaN; // the latest feedback's reference time, unwrapped, in ms
  #referenceTime = 0; // and as sent, 24 bits
  #estimateBps: number;

  constructor(options: BandwidthEstimatorOptions = {}) {
    const { initialBps = 1_000_000, minBps = 100_000, maxBps = 20_000_000 } = options;
    this.#delayBased = new AimdRateControl(initialBps, minBps, maxBps);
    this.#lossBased = new LossBasedControl(initialBps);
    this.#estimateBps = initialBps;
  }

  /** Bits per second the path is estimated to carry now. */
  get estimateBps(): number {
    return this.#estimateBps;
  }

  /** What drove the latest estimate, for logs and stats. */
  get state(): {
    usage: BandwidthUsage;
    delayBasedBps: number;
    lossBasedBps: number;
    lossFraction: number;
  } {
    return {
      usage: this.#detector.usage,
      delayBasedBps: this.#delayBased.bps,
      lossBasedBps: this.#lossBased.bps,
      lossFraction: this.#lossBased.lossFraction,
    };
  }

  /** Every RTP packet sent with a transport-wide sequence number, retransmissions included. */
  onPacketSent(sequenceNumber: number, sizeBytes: number, nowMs: number): void {
    this.#history.record(sequenceNumber, sizeBytes, nowMs);
  }

  onFeedback(feedback: TransportCcFeedback, nowMs: number): void {
    let arrivalUs = this.#unwrapReferenceMs(feedback.referenceTime) * 1000;
    const deltas = feedback.receiveDeltasUs;
    let lost = 0, received = 0;
    for (let i = 0; i < deltas.length; i++) {
      const deltaUs = deltas[i];
      if (deltaUs !== null) arrivalUs += deltaUs;
      const slot = this.#history.find((feedback.baseSequenceNumber + i) & 0xffff);
      if (slot < 0) continue; // not ours, too old, or already reported
      if (deltaUs === null) {
        if (this.#history.markLost(slot)) lost++;
        continue;
      }
      received++;
      const arrivalMs = arrivalUs / 1000;
      this.#delivered.add(arrivalMs, this.#history.sizeBytes(slot));
      if (this.#groups.add(this.#history.sentAtMs(slot), arrivalMs)) this.#onGroupDelay();
      this.#history.forget(slot);
    }
    const delayBps = this.#delayBased.update(this.#detector.usage, this.#delivered.bps, nowMs);
    const lossBps = this.#lossBased.update(lost, received, delayBps);
    this.#updateEstimate(Math.min(delayBps, lossBps));
  }

  /** A receiver's REMB: the estimate is kept at or below it from now on. */
  onRemb(bps: number): void {
    this.#rembBps = bps;
    this.#updateEstimate(Math.min(this.#delayBased.bps, this.#lossBased.bps));
  }

  #onGroupDelay(): void {
    const groups = this.#groups;
    this.#trendline.update(groups.sendDeltaMs, groups.arrivalDeltaMs, groups.arrivalMs);
    const { modifiedTrend, trend } = this.#trendline;
    this.#detector.detect(modifiedTrend, trend, groups.sendDeltaMs, groups.arrivalMs);
  }

  #updateEstimate(bps: number): void {
    const { minBps, maxBps } = this.#delayBased;
    this.#estimateBps = Math.min(maxBps, Math.max(minBps, Math.min(bps, this.#rembBps)));
  }

  /** Reference times are 24 bits of 64 ms: about 12 days before they wrap. */
  #unwrapReferenceMs(referenceTime: number): number {
    if (Number.isNaN(this.#referenceMs)) {
      this.#referenceMs = referenceTime * (referenceTimeUnitUs / 1000);
    } else {
      const step = ((referenceTime - this.#referenceTime + referenceTimeWrap * 1.5) %
        referenceTimeWrap) - referenceTimeWrap / 2;
      this.#referenceMs += step * (referenceTimeUnitUs / 1000);
    }
    this.#referenceTime = referenceTime;
    return this.#referenceMs;
  }
}
