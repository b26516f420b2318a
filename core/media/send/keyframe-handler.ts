/**
 * The keyframe stage: a PLI or FIR for this track restarts the sequencer at the newest keyframe,
 * at most once per interval (a burst of requests, as browsers send, restarts the GOP once). The
 * restart itself goes out through the pacer; a request during it moves it to the newest
 * keyframe, it never queues a second GOP.
 */
import type { RtcpPacket } from "../../rtcp/parse.ts";
import type { RtpSequencer } from "./sequencer.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { SenderClock, SenderStage } from "./stage.ts";

/**
 * Keyframe requests closer together than this restart the GOP only once, per viewer and track:
 * a decoder that lost a picture asks again every round trip until a keyframe arrives, and a
 * hostile viewer asks all the time; 4 restarts a second at most keeps a GOP restart from being
 * cut short more often than a round trip or two, whatever the requests.
 */
export const defaultKeyframeRequestIntervalMs = 250;

export class KeyframeHandler implements SenderStage {
  readonly #ssrc: number;
  readonly #sequencer: RtpSequencer;
  readonly #stats: TrackSenderStats;
  readonly #clock: SenderClock;
  readonly #intervalMs: number;

  constructor(
    ssrc: number,
    sequencer: RtpSequencer,
    stats: TrackSenderStats,
    clock: SenderClock,
    intervalMs = defaultKeyframeRequestIntervalMs,
  ) {
    this.#ssrc = ssrc;
    this.#sequencer = sequencer;
    this.#stats = stats;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  incoming(rtcp: RtcpPacket): void {
    if (
      (rtcp.kind === "pli" && rtcp.packet.mediaSsrc === this.#ssrc) ||
      (rtcp.kind === "fir" && rtcp.packet.entries.some((e) => e.ssrc === this.#ssrc))
    ) {
      this.#request();
    }
  }

  #request() {
    this.#stats.keyframeRequests++;
    if (this.#clock.now() - this.#sequencer.lastRestartAt < this.#intervalMs) return;
    this.#sequencer.restart();
  }
}
