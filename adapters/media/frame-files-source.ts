/**
 * Video from files: a directory of access-unit files (sorted by name, one picture each, as the
 * KVS samples ship them) or one Annex-B file, paced at --fps; optionally Opus packet files from
 * another directory, paced by each packet's own duration. Each file is read when its turn comes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { opusPacketSamples } from "../../core/opus/opus-packet.ts";
import { type MediaSink, type MediaSource, pace } from "./source.ts";

export interface FileSourceOptions {
  /** Access-unit files in play order, or one Annex-B file. */
  video?: { files: string[]; fps: number; description: string };
  /** Opus packet files in play order. */
  audio?: { files: string[]; description: string };
  loop: boolean;
}

/** The files of a directory, sorted by name (hidden files skipped); throws when unreadable. */
export function listMediaFiles(dir: string, pattern = /./): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith(".") && pattern.test(f)).sort()
    .map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** One Annex-B file cut into access units (read once). */
function accessUnitsOf(file: string): Uint8Array[] {
  const splitter = new AccessUnitSplitter();
  const units = splitter.push(new Uint8Array(readFileSync(file)));
  const last = splitter.flush();
  return last ? [...units, last] : units;
}

export class FileSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly #o: FileSourceOptions;
  readonly #pacers: { stop(): void }[] = [];
  #finish!: (how: string) => void;
  #running = 0;
  #startedAt = 0;

  constructor(options: FileSourceOptions) {
    this.#o = options;
    this.description = [options.video?.description, options.audio?.description]
      .filter(Boolean).join(" + ");
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    const { video, audio, loop } = this.#o;
    this.#startedAt = performance.now();
    const fail = (error: unknown) => {
      this.stop();
      this.#finish(`${this.description} failed: ${(error as Error).message}`);
    };
    if (video) {
      // A single file is an Annex-B stream: cut once into pictures, kept for looping.
      const units = video.files.length === 1 ? accessUnitsOf(video.files[0]) : undefined;
      const count = units?.length ?? video.files.length;
      if (count === 0) throw new Error(`${video.description}: no frames`);
      this.#running++;
      this.#pacers.push(pace(1000 / video.fps, (n) => {
        if (n >= count && !loop) return this.#done(`${video.description} ended after ${n} frames`);
        try {
          const au = units
            ? units[n % count]
            : new Uint8Array(readFileSync(video.files[n % count]));
          sink.video(au, Math.round((n * 1e6) / video.fps));
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
            const packet = new Uint8Array(readFileSync(audio.files[next % audio.files.length]));
            sink.audio(packet, timeUs);
            timeUs += (opusPacketSamples(packet) * 1e6) / 48000;
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
