/**
 * Congestion control for one peer connection: one transport-wide sequence number across its
 * tracks, one bandwidth estimate fed by the peer's transport-cc feedback and capped by its
 * REMB, and what the master does about it. It passes the source through, so it cannot lower
 * the bitrate: a viewer whose estimate stays below the stream's bitrate for
 * `keyframesOnlyAfterMs` gets keyframes only (each a whole picture, so no broken ones) until
 * the estimate is back above the stream's bitrate by `recoveryMargin`. With adaptation off
 * the estimate is only reported.
 */
import type { RtcpPacket } from "../rtcp/parse.ts";
import { BandwidthEstimator, type BandwidthEstimatorOptions } from "./bandwidth-estimator.ts";

/** How long the estimate must stay below the stream's bitrate before keyframes only. */
export const keyframesOnlyAfterMs = 2000;
/** How far above the stream's bitrate the estimate must be to get every frame again. */
export const recoveryMargin = 1.2;
/** A probe may show up to this much more than the stream's bitrate (see probeCeilingBps). */
const probeHeadroom = 1.5;

/** What one peer connection's congestion control says now (the library's estimate event). */
export interface BandwidthEstimate {
  /** Bits per second the path to the peer is estimated to carry. */
  estimateBps: number;
  /** Its delay-based and loss-based parts, and the loss fraction of the latest sample. */
  delayBasedBps: number;
  lossBasedBps: number;
  lossFraction: number;
  usage: "normal" | "overusing" | "underusing";
  /** The stream's own bitrate it is weighed against; NaN while not known. */
  streamBps: number;
  /** Whether the peer gets keyframes only. */
  keyframesOnly: boolean;
}

export interface PeerCongestionOptions {
  /** Monotonic milliseconds. */
  now(): number;
  /** Bits per second the stream sends now, all tracks; NaN while not known. */
  streamBps(): number;
  /** Whether a viewer that cannot take the stream gets keyframes only. */
  adaptation: boolean;
  estimator?: BandwidthEstimatorOptions;
  /** After each feedback or REMB: the estimate (and keyframesOnly) may have changed. */
  changed?(): void;
}

export class PeerCongestion {
  readonly estimator: BandwidthEstimator;
  /** Whether the viewer gets keyframes only now. */
  keyframesOnly = false;
  readonly #o: PeerCongestionOptions;
  #sequenceNumber = 0;
  #lowSinceMs = NaN;
  /** The last feedback's count and base: the same message reaching two tracks counts once. */
  #lastFeedback = -1;
  /** Whether the estimate was started at the stream's bitrate (once that is known). */
  #started = false;

  constructor(options: PeerCongestionOptions) {
    this.#o = options;
    this.estimator = new BandwidthEstimator(options.estimator);
  }

  get estimate(): BandwidthEstimate {
    const { usage, delayBasedBps, lossBasedBps, lossFraction } = this.estimator.state;
    return {
      estimateBps: this.estimator.estimateBps,
      delayBasedBps,
      lossBasedBps,
      lossFraction,
      usage,
      streamBps: this.#o.streamBps(),
      keyframesOnly: this.keyframesOnly,
    };
  }

  /** Whether any transport-cc feedback came: before, the estimate is only its start value. */
  get fedBack(): boolean {
    return this.#lastFeedback !== -1;
  }

  /** The transport-wide sequence number the next packet carries. */
  get sequenceNumber(): number {
    return this.#sequenceNumber;
  }

  /** The packet numbered `sequenceNumber` went out; `probeCluster` as the estimator takes it. */
  sent(sizeBytes: number, probeCluster: number): void {
    this.estimator.onPacketSent(this.#sequenceNumber, sizeBytes, this.#o.now(), probeCluster);
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
  }

  /** RTCP from the peer: transport-cc feedback and REMB move the estimate. */
  incoming(rtcp: RtcpPacket): void {
    if (rtcp.kind === "transportCc") {
      const { feedbackPacketCount, baseSequenceNumber } = rtcp.packet;
      const id = feedbackPacketCount * 0x10000 + baseSequenceNumber;
      if (id === this.#lastFeedback) return;
      this.#lastFeedback = id;
      const streamBps = this.#o.streamBps();
      this.estimator.probeCeilingBps = streamBps > 0 ? streamBps * probeHeadroom : Infinity;
      if (!this.#started && streamBps > 0) {
        // The path is taken to carry the stream until feedback shows otherwise: a start
        // below it would hold a viewer to keyframes only on a path that was never tried.
        this.estimator.startAt(streamBps * probeHeadroom);
        this.#started = true;
      }
      this.estimator.onFeedback(rtcp.packet, this.#o.now());
    } else if (rtcp.kind === "remb") {
      this.estimator.onRemb(rtcp.packet.bitrate);
    } else return;
    this.#adapt();
    this.#o.changed?.();
  }

  #adapt() {
    const streamBps = this.#o.streamBps();
    if (!this.#o.adaptation || !(streamBps > 0)) return;
    const estimateBps = this.estimator.estimateBps;
    const now = this.#o.now();
    if (estimateBps >= streamBps) this.#lowSinceMs = NaN;
    else if (Number.isNaN(this.#lowSinceMs)) this.#lowSinceMs = now;
    if (!this.keyframesOnly && now - this.#lowSinceMs >= keyframesOnlyAfterMs) {
      this.keyframesOnly = true;
    } else if (this.keyframesOnly && estimateBps > streamBps * recoveryMargin) {
      this.keyframesOnly = false;
    }
  }
}
