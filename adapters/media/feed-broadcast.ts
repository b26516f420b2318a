/**
 * Starts a source feeding a broadcast's frame rings: the one glue between sources and the
 * media core. A frame the source gets wrong (a malformed SPS, no NAL units) is skipped and
 * reported — the first, then every 100th, with the count so far — and the source goes on.
 */
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { Log } from "../../core/log.ts";
import type { MediaSource } from "./source.ts";

/** One warning per this many bad frames: a broken stream must not flood the log. */
const badFrameReportEvery = 100;

export interface FeedStats {
  badFrames: number;
}

export function feedBroadcast(source: MediaSource, broadcast: Broadcast, log: Log): FeedStats {
  const stats: FeedStats = { badFrames: 0 };
  const guard = (push: () => void) => {
    try {
      push();
    } catch (error) {
      if (stats.badFrames++ % badFrameReportEvery === 0) {
        log.warn(
          `skipped a frame the source gave (${stats.badFrames} so far): ${
            (error as Error).message
          }`,
        );
      }
    }
  };
  source.start({
    video: (picture, t, codec) => guard(() => broadcast.pushVideo(picture, t, codec)),
    audio: (p, t) => guard(() => broadcast.pushAudio(p, t)),
  });
  return stats;
}
