/**
 * Starts a source feeding a broadcast's frame rings. A frame the source gets wrong (a malformed
 * SPS, no NAL units) is skipped and reported; the source and the master go on.
 */
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { MediaSource } from "../media/source.ts";

export function broadcastSource(
  source: MediaSource,
  broadcast: Broadcast,
  onBadFrame: (error: Error) => void = () => {},
): void {
  const guard = (push: () => void) => {
    try {
      push();
    } catch (error) {
      onBadFrame(error as Error);
    }
  };
  source.start({
    video: (au, t) => guard(() => broadcast.pushVideo(au, t)),
    audio: (p, t) => guard(() => broadcast.pushAudio(p, t)),
  });
}
