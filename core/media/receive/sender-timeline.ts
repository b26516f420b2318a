/**
 * A track's RTP timestamps on the sender's wall clock, from its RTCP sender reports (RFC 3550
 * 6.4.1: each pairs an NTP time with the RTP time of that instant). Mapped through the newest
 * report, the tracks of one sender land on one clock: what lip sync, and a viewer's
 * `--timestamps`, line up by.
 */
import { type SenderReport, unixMsOfNtp } from "../../rtcp/sender-report.ts";

export class SenderTimeline {
  readonly #clockRate: number;
  #report?: { unixMs: number; rtpTimestamp: number };

  constructor(clockRate: number) {
    this.#clockRate = clockRate;
  }

  report(sr: SenderReport): void {
    this.#report = { unixMs: unixMsOfNtp(sr), rtpTimestamp: sr.rtpTimestamp };
  }

  /** Sender Unix ms of an RTP timestamp; undefined before the first report. */
  unixMs(rtpTimestamp: number): number | undefined {
    const report = this.#report;
    if (!report) return undefined;
    // The signed 32-bit distance: timestamps wrap, and a frame may come before its report.
    const ticks = (rtpTimestamp - report.rtpTimestamp) << 0;
    return report.unixMs + (ticks * 1000) / this.#clockRate;
  }
}
