/**
 * The sender-report stage: counts the packets and payload octets that went out (first
 * transmissions and retransmissions, as RFC 3550 counts them) and makes the RTCP sender report.
 * Its RTP time is the track's timestamp of the media time live now, when the master says what
 * that is (`liveTimestamp`): one media clock for every track, so a viewer that maps each
 * track's RTP times to the wall clock by its reports lines audio and video up as the source
 * timed them (lip sync), however late or bursty each track's frames went out. Without it, the
 * RTP time is extrapolated from the last frame sent along the media clock.
 */
import { buildSenderReport, ntpTime } from "../../rtcp/sender-report.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { OutgoingPacket, SenderClock, SenderStage } from "./stage.ts";

export class SenderReporter implements SenderStage {
  readonly #ssrc: number;
  readonly #clockRate: number;
  readonly #stats: TrackSenderStats;
  readonly #clock: SenderClock;
  readonly #liveTimestamp?: () => number | undefined;
  /** The newest frame sent: its RTP timestamp and when (clock.now()). */
  readonly #last = { any: false, timestamp: 0, sentAt: 0 };

  /** `liveTimestamp`: the RTP timestamp of the media time live now, once there is one. */
  constructor(
    ssrc: number,
    clockRate: number,
    stats: TrackSenderStats,
    clock: SenderClock,
    liveTimestamp?: () => number | undefined,
  ) {
    this.#ssrc = ssrc;
    this.#liveTimestamp = liveTimestamp;
    this.#clockRate = clockRate;
    this.#stats = stats;
    this.#clock = clock;
  }

  sent(packet: OutgoingPacket): void {
    this.#stats.packetsSent++;
    this.#stats.octetsSent += packet.plan.size;
    if (packet.retransmission) return;
    this.#last.any = true;
    this.#last.timestamp = packet.header.timestamp;
    this.#last.sentAt = this.#clock.now();
  }

  /** An RTCP sender report for now; undefined before the first packet. */
  senderReport(): Uint8Array | undefined {
    if (!this.#last.any) return undefined;
    const elapsedMs = this.#clock.now() - this.#last.sentAt;
    const rtpTimestamp = this.#liveTimestamp?.() ??
      (this.#last.timestamp + Math.round(elapsedMs * this.#clockRate / 1000)) >>> 0;
    return buildSenderReport({
      ssrc: this.#ssrc,
      ...ntpTime(this.#clock.unixNow()),
      rtpTimestamp,
      packetCount: this.#stats.packetsSent,
      octetCount: this.#stats.octetsSent,
      reports: [],
    });
  }
}
