/**
 * A source with Opus silence where it has no audio: a storage session records H.264 and Opus
 * (spec §4.2), so a master with a video-only source sends silent packets beside it rather than
 * failing. The silence starts when no audio came within `waitMs` of the first video frame, at
 * that frame's media time, and stops for good at the source's first own packet.
 */
import { silentOpusPacket, silentOpusPacketUs } from "../../core/opus/opus-silence.ts";
import { type MediaSource, pace } from "./source.ts";

export function withOpusSilence(
  source: MediaSource,
  onSilence: () => void,
  waitMs = 500,
): MediaSource {
  let silence: { stop(): void } | undefined;
  let wait: ReturnType<typeof setTimeout> | undefined;
  let ownAudio = false;
  const stopSilence = () => {
    clearTimeout(wait);
    silence?.stop();
  };
  return {
    description: source.description,
    videoCodec: source.videoCodec,
    ended: source.ended,
    start(sink) {
      let lastVideoUs: number | undefined;
      source.start({
        video(accessUnit, timeUs, codec) {
          if (lastVideoUs === undefined && !ownAudio) {
            wait = setTimeout(() => {
              if (ownAudio) return;
              onSilence();
              const fromUs = lastVideoUs ?? 0;
              silence = pace(silentOpusPacketUs / 1000, (n) => {
                sink.audio(silentOpusPacket, fromUs + n * silentOpusPacketUs);
                return true;
              });
            }, waitMs);
          }
          lastVideoUs = timeUs;
          sink.video(accessUnit, timeUs, codec);
        },
        audio(packet, timeUs) {
          if (!ownAudio) {
            ownAudio = true;
            stopSilence();
          }
          sink.audio(packet, timeUs);
        },
      });
      source.ended.then(stopSilence);
    },
    stop() {
      stopSilence();
      source.stop();
    },
  };
}
