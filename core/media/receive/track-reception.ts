/**
 * The ends of one track's receive chain that every track has: in, it tells RTP from RTCP,
 * counts each RTP packet in the track's reception statistics (made at the first packet, for its
 * SSRC) and notes the sender reports about it (which also put its RTP times on the sender's
 * clock); out, it makes the receiver report (RR) when one is due, echoing the last sender
 * report so the sender can measure the round trip.
 */
import { isRtcp } from "../../rtcp/header.ts";
import { parseRtcp } from "../../rtcp/parse.ts";
import { buildReceiverReport } from "../../rtcp/receiver-report.ts";
import { buildBye } from "../../rtcp/bye.ts";
import { concatBytes } from "../../bytes/concat-bytes.ts";
import { parseRtpPacket, type RtpPacket } from "../../rtp/header.ts";
import { ReceptionStats } from "../reception-stats.ts";
import { ReceiverReporter } from "./receiver-reporter.ts";
import { SenderTimeline } from "./sender-timeline.ts";

export class TrackReception {
  /** Undefined until the first RTP packet. */
  stats?: ReceptionStats;
  readonly senderTimeline: SenderTimeline;
  readonly #clockRate: number;
  /** Ours: the sender SSRC of the reports. */
  readonly #ssrc: number;
  readonly #reporter: ReceiverReporter;

  constructor(options: { clockRate: number; ssrc: number; startedAt: number }) {
    this.#clockRate = options.clockRate;
    this.senderTimeline = new SenderTimeline(options.clockRate);
    this.#ssrc = options.ssrc;
    this.#reporter = new ReceiverReporter(options.startedAt);
  }

  /** The RTP packet in `bytes`, counted; undefined for RTCP or a packet that cannot be read. */
  receive(bytes: Uint8Array, now: number): RtpPacket | undefined {
    if (isRtcp(bytes)) {
      this.#rtcp(bytes, now);
      return undefined;
    }
    let rtp;
    try {
      rtp = parseRtpPacket(bytes);
    } catch {
      return undefined;
    }
    this.stats ??= new ReceptionStats(rtp.ssrc, this.#clockRate);
    this.stats.packet(rtp.sequenceNumber, rtp.timestamp, rtp.payload.length, now);
    return rtp;
  }

  /** The receiver report to send now, when one is due and a packet came. */
  receiverReport(now: number): Uint8Array | undefined {
    if (!this.#reporter.due(now)) return undefined;
    const block = this.stats?.reportBlock(now);
    return block && buildReceiverReport({ ssrc: this.#ssrc, reports: [block] });
  }

  /**
   * A last receiver report followed by a BYE (RFC 3550 6.6: a BYE goes after a report, in one
   * compound packet; the report's block also lets the sender's stack route it to the right
   * track); undefined before any packet came.
   */
  goodbye(now: number): Uint8Array | undefined {
    const block = this.stats?.reportBlock(now);
    if (!block) return undefined;
    const report = buildReceiverReport({ ssrc: this.#ssrc, reports: [block] });
    return concatBytes([report, buildBye([this.#ssrc])]);
  }

  #rtcp(bytes: Uint8Array, now: number) {
    let packets;
    try {
      packets = parseRtcp(bytes);
    } catch {
      return; // a compound packet we cannot read: nothing in it is needed to receive
    }
    for (const rtcp of packets) {
      if (rtcp.kind === "senderReport" && rtcp.packet.ssrc === this.stats?.ssrc) {
        this.stats.senderReport(rtcp.packet, now);
        this.senderTimeline.report(rtcp.packet);
      }
    }
  }
}
