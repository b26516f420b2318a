/**
 * What a viewer knows about one incoming RTP stream, for its receiver reports (RFC 3550 6.4.2
 * and appendix A.3, A.8): packets expected and lost, interarrival jitter, and the last sender
 * report to echo (LSR/DLSR) so the sender can measure the round trip.
 */
import type { ReportBlock } from "../rtcp/report-block.ts";
import { compactNtp, type SenderReport } from "../rtcp/sender-report.ts";
import { SequenceUnwrapper } from "../rtp/sequence-number.ts";

export class ReceptionStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  readonly #unwrapper = new SequenceUnwrapper();
  #baseSeq?: number;
  #maxSeq = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #transit?: number;
  #lastSr?: { compact: number; at: number };
  /** Bytes of payload received (for the bitrate). */
  bytes = 0;

  constructor(ssrc: number, clockRate: number) {
    this.ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  get packets(): number {
    return this.#received;
  }

  /** Packets never received so far (expected - received), not below zero. */
  get lost(): number {
    return Math.max(0, this.#expected() - this.#received);
  }

  /** One RTP packet arrived at `nowMs` (monotonic). */
  packet(sequenceNumber: number, timestamp: number, payloadBytes: number, nowMs: number): void {
    const ext = this.#unwrapper.unwrap(sequenceNumber);
    this.#baseSeq ??= ext;
    if (ext < this.#baseSeq) this.#baseSeq = ext;
    if (ext > this.#maxSeq) this.#maxSeq = ext;
    this.#received++;
    this.bytes += payloadBytes;
    const arrival = Math.round(nowMs * this.#clockRate / 1000);
    const transit = (arrival - timestamp) | 0;
    if (this.#transit !== undefined) {
      const d = Math.abs((transit - this.#transit) | 0);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  senderReport(sr: SenderReport, nowMs: number): void {
    this.#lastSr = { compact: compactNtp(sr), at: nowMs };
  }

  /** The report block for now (and starts a new reporting interval); undefined before a packet. */
  reportBlock(nowMs: number): ReportBlock | undefined {
    if (this.#baseSeq === undefined) return undefined;
    const expected = this.#expected();
    const expectedInterval = expected - this.#expectedPrior;
    const lostInterval = expectedInterval - (this.#received - this.#receivedPrior);
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    return {
      ssrc: this.ssrc,
      fractionLost: expectedInterval > 0 && lostInterval > 0
        ? Math.floor((lostInterval * 256) / expectedInterval)
        : 0,
      cumulativeLost: expected - this.#received,
      highestSequence: (this.#maxSeq - 0x10000) >>> 0, // the unwrapper starts one cycle up
      jitter: Math.floor(this.#jitter),
      lastSenderReport: this.#lastSr?.compact ?? 0,
      delaySinceLastSenderReport: this.#lastSr
        ? Math.floor(((nowMs - this.#lastSr.at) / 1000) * 65536)
        : 0,
    };
  }

  #expected(): number {
    return this.#baseSeq === undefined ? 0 : this.#maxSeq - this.#baseSeq + 1;
  }
}
