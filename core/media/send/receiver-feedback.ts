/**
 * The statistics stage: what the receiver says of this track. Report blocks (in its receiver
 * or sender reports) give loss, jitter and, echoing our sender report, the round-trip time;
 * a REMB naming this track gives the bitrate the receiver estimates it can take.
 */
import type { RtcpPacket } from "../../rtcp/parse.ts";
import { compactNtp, ntpTime } from "../../rtcp/sender-report.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { SenderClock, SenderStage } from "./stage.ts";

export class ReceiverFeedback implements SenderStage {
  readonly #ssrc: number;
  readonly #stats: TrackSenderStats;
  readonly #clock: SenderClock;

  constructor(ssrc: number, stats: TrackSenderStats, clock: SenderClock) {
    this.#ssrc = ssrc;
    this.#stats = stats;
    this.#clock = clock;
  }

  incoming(rtcp: RtcpPacket): void {
    if (rtcp.kind === "remb") {
      if (rtcp.packet.ssrcs.includes(this.#ssrc)) this.#stats.rembBitrate = rtcp.packet.bitrate;
      return;
    }
    if (rtcp.kind !== "receiverReport" && rtcp.kind !== "senderReport") return;
    const stats = this.#stats;
    for (const block of rtcp.packet.reports) {
      if (block.ssrc !== this.#ssrc) continue;
      stats.fractionLost = block.fractionLost / 256;
      stats.cumulativeLost = block.cumulativeLost;
      stats.jitter = block.jitter;
      if (block.lastSenderReport !== 0) {
        const now = compactNtp(ntpTime(this.#clock.unixNow()));
        const rtt = (now - block.lastSenderReport - block.delaySinceLastSenderReport) >>> 0;
        if (rtt < 0x80000000) stats.roundTripMs = (rtt / 65536) * 1000;
      }
    }
  }
}
