/**
 * Media from a directory of files, one frame each: picture files (sorted by name, one picture
 * each: H.264 or H.265 access units as the KVS samples ship them, or raw VP8 frames), paced at
 * --fps; and/or Opus packet files, paced by each
 * packet's own duration. Each file is read when its turn comes; one over its bound is skipped
 * with a warning.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { defaultMaxAccessUnitBytes } from "../../core/h264/access-unit-splitter.ts";
import type { VideoCodec } from "../../core/media/video-codec.ts";
import { opusPacketSamples } from "../../core/opus/opus-packet.ts";
import {
  type MediaSink,
  type MediaSource,
  oneLine,
  pace,
  SkippedFrames,
  type SourceWarn,
} from "./source.ts";

/** The largest Opus packet file read: 120 ms at the top bitrate is under 8 KB; this allows padding. */
export const maxOpusPacketBytes = 1 << 16;

export interface FileSourceOptions {
  /** Picture files in play order, all in `codec`. */
  video?: { files: string[]; fps: number; description: string; codec: VideoCodec };
  /** Opus packet files in play order. */
  audio?: { files: string[]; description: string };
  loop: boolean;
  warn?: SourceWarn;
}

/** The files of a directory, sorted by name (hidden files skipped); throws when unreadable. */
export function listMediaFiles(dir: string, pattern = /./): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith(".") && pattern.test(f)).sort()
    .map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** A file's bytes, or undefined (skipped, with a warning) when it is over `maxBytes`. */
function readBounded(file: string, maxBytes: number, skipped: SkippedFrames) {
  const size = statSync(file).size;
  if (size <= maxBytes) return new Uint8Array(readFileSync(file));
  skipped.skip(`${file}: ${size} bytes is over the ${maxBytes}-byte bound`);
}

export class FileSource implements MediaSource {
  readonly description: string;
  readonly videoCodec?: VideoCodec;
  readonly ended: Promise<string>;
  readonly #o: FileSourceOptions;
  readonly #pacers: { stop(): void }[] = [];
  #finish!: (how: string) => void;
  #running = 0;
  #startedAt = 0;

  constructor(options: FileSourceOptions) {
    this.#o = options;
    this.videoCodec = options.video?.codec;
    this.description = [options.video?.description, options.audio?.description]
      .filter(Boolean).join(" + ");
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    const { video, audio, loop } = this.#o;
    const skipped = new SkippedFrames(this.description, this.#o.warn);
    this.#startedAt = performance.now();
    const fail = (error: unknown) => {
      this.#finish(`${this.description} failed: ${oneLine(error)}`); // before stop()'s "stopped"
      this.stop();
    };
    if (video && video.files.length > 0) {
      const count = video.files.length;
      this.#running++;
      this.#pacers.push(pace(1000 / video.fps, (n) => {
        if (n >= count && !loop) return this.#done(`${video.description} ended after ${n} frames`);
        try {
          const au = readBounded(video.files[n % count], defaultMaxAccessUnitBytes, skipped);
          if (au) sink.video(au, Math.round((n * 1e6) / video.fps), video.codec);
        } catch (error) {
          fail(error);
          return false;
        }
        return true;
      }));
    }
    if (audio && audio.files.length > 0) {
      this.#running++;
      let timeUs = 0;
      let next = 0;
      // Checked every 10 ms; each packet is due when the media time reaches it.
      this.#pacers.push(pace(10, () => {
        while (timeUs <= this.#elapsedUs()) {
          if (next >= audio.files.length && !loop) {
            return this.#done(`${audio.description} ended after ${next} packets`);
          }
          try {
            const file = audio.files[next % audio.files.length];
            const packet = readBounded(file, maxOpusPacketBytes, skipped);
            if (packet) sink.audio(packet, timeUs);
            // A skipped packet takes the time of a usual one (20 ms), so time still moves on.
            timeUs += packet ? (opusPacketSamples(packet) * 1e6) / 48000 : 20_000;
          } catch (error) {
            fail(error);
            return false;
          }
          next++;
        }
        return true;
      }));
    }
  }

  stop(): void {
    for (const p of this.#pacers.splice(0)) p.stop();
    this.#finish("stopped");
  }

  #elapsedUs(): number {
    return (performance.now() - this.#startedAt) * 1000;
  }

  #done(how: string): false {
    if (--this.#running === 0) this.#finish(how);
    return false;
  }
}
