/**
 * A send-side bandwidth estimate for one peer connection, in the manner of Google Congestion
 * Control (draft-ietf-rmcat-gcc-02) fed by transport-cc feedback: the sender records each
 * packet it sends under its transport-wide sequence number; each feedback gives arrival
 * times, from which packet-group delay variation, a trendline and an over-use detector drive
 * a delay-based AIMD rate, while the losses it reports drive a loss-based one. The estimate
 * is the lower of the two, capped by the receiver's REMB when it sends one. Trains of packets
 * the sender marks as probe clusters (its keyframes: probe-clusters.ts) may raise both to the
 * rate they arrived at, up to `probeCeilingBps`. Time is the caller's (`nowMs` on every
 * call), so tests run it on a fake clock.
 */
import type { TransportCcFeedback } from "../rtcp/transport-cc.ts";
import { referenceTimeUnitUs } from "../rtcp/transport-cc.ts";
import { AimdRateControl } from "./aimd-rate-control.ts";
import { InterGroupDelay } from "./inter-group-delay.ts";
import { LossBasedControl } from "./loss-based-control.ts";
import { type BandwidthUsage, OveruseDetector } from "./overuse-detector.ts";
import { ProbeClusters } from "./probe-clusters.ts";
import { RateWindow } from "./rate-window.ts";
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
/** How long a probe's rate stands for what the path delivers: a GOP or two. */
const probeLifetimeMs = 2000;

export class BandwidthEstimator {
  readonly #history = new SendHistory();
  readonly #groups = new InterGroupDelay();
  readonly #trendline = new TrendlineFilter();
  readonly #detector = new OveruseDetector();
  /** What the path delivered, by arrival times: half a second of up to 8000 packets/s. */
  readonly #delivered = new RateWindow({ windowMs: 500, minSpanMs: 100, capacity: 4096 });
  readonly #probes = new ProbeClusters();
  readonly #delayBased: AimdRateControl;
  readonly #lossBased: LossBasedControl;
  #rembBps = Infinity;
  #referenceMs = NaN; // the latest feedback's reference time, unwrapped, in ms
  #referenceTime = 0; // and as sent, 24 bits
  #estimateBps: number;
  /**
   * The most a probe may raise the estimate to. A sender that passes its source through cannot
   * send more than the source's bitrate, so a probe's rate beyond that is of no use to it and
   * its estimate stays near what it can use (Infinity: no bound).
   */
  probeCeilingBps = Infinity;
  #probeBps = NaN;
  #probeAtMs = -Infinity;

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

  /**
   * Every RTP packet sent with a transport-wide sequence number, retransmissions included;
   * `probeCluster` (>= 0) when it is part of a probe train, else -1.
   */
  onPacketSent(sequenceNumber: number, sizeBytes: number, nowMs: number, probeCluster = -1): void {
    this.#history.record(sequenceNumber, sizeBytes, nowMs, probeCluster);
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
      const history = this.#history;
      const sentAtMs = history.sentAtMs(slot);
      this.#delivered.add(arrivalMs, history.sizeBytes(slot));
      if (history.probeCluster(slot) >= 0) {
        this.#probes.add(history.probeCluster(slot), sentAtMs, arrivalMs, history.sizeBytes(slot));
      }
      if (this.#groups.add(sentAtMs, arrivalMs)) this.#onGroupDelay();
      history.forget(slot);
    }
    const probeBps = Math.min(this.#probes.takeRateBps(), this.probeCeilingBps);
    if (probeBps > 0) {
      this.#probeBps = probeBps;
      this.#probeAtMs = nowMs;
    }
    const recentProbeBps = nowMs - this.#probeAtMs <= probeLifetimeMs ? this.#probeBps : NaN;
    const delayBps = this.#delayBased.update(
      this.#detector.usage,
      this.#delivered.bps,
      recentProbeBps,
      nowMs,
    );
    if (probeBps > delayBps && this.#detector.usage !== "overusing") {
      this.#delayBased.raiseTo(probeBps);
      this.#lossBased.raiseTo(probeBps);
    }
    const lossBps = this.#lossBased.update(lost, received, this.#delayBased.bps, nowMs);
    this.#updateEstimate(Math.min(this.#delayBased.bps, lossBps));
  }

  /**
   * Puts the estimate at `bps`, as if a probe had shown it (within the bounds, never above a
   * REMB): for a sender that knows what it is about to send before any feedback came.
   */
  startAt(bps: number): void {
    this.#delayBased.raiseTo(bps);
    this.#lossBased.raiseTo(bps);
    this.#updateEstimate(Math.min(this.#delayBased.bps, this.#lossBased.bps));
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
