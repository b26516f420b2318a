/**
 * A media source feeds pictures (H.264 or H.265 access units, VP8 frames) and Opus packets to a
 * sink, paced in real time, until it ends or fails; `ended` says which, in words a user can act
 * on. A source never throws into the master: it reports and stops.
 */
import { type VideoCodec, videoCodecName } from "../../core/media/video-codec.ts";

export interface MediaSink {
  /** One picture in `codec` (Annex-B for H.264 and H.265). */
  video(picture: Uint8Array, timeUs: number, codec: VideoCodec): void;
  audio(packet: Uint8Array, timeUs: number): void;
}

export interface MediaSource {
  /** "frame files in ./frames (30 fps)", "ffmpeg -i cam.mp4 ...". */
  readonly description: string;
  /**
   * The codec of its video when known before the first picture (a file's content, --codec),
   * so a viewer that comes first is answered with it; else the first picture says.
   */
  readonly videoCodec?: VideoCodec;
  start(sink: MediaSink): void;
  stop(): void;
  /** Resolves with how it ended: "ended after 300 frames", "ffmpeg exited with code 1: ...". */
  readonly ended: Promise<string>;
}

/** Where a source says what it skipped without ending (a frame too large, a malformed sample). */
export type SourceWarn = (message: string) => void;

/** Counts the frames a source skips; warns on the first and then on every 100th. */
export class SkippedFrames {
  count = 0;
  readonly #description: string;
  readonly #warn: SourceWarn;

  constructor(description: string, warn: SourceWarn = () => {}) {
    this.#description = description;
    this.#warn = warn;
  }

  skip(why: string): void {
    if (this.count++ % 100 === 0) {
      this.#warn(`${this.#description}: skipped ${why} (${this.count} skipped so far)`);
    }
  }
}

/** What a source that ended before its first frame says: it was not what it should be. */
export function noPictures(what: string, codec: VideoCodec): string {
  if (codec === "vp8") return `${what} has no VP8 frames (is it VP8 in IVF?)`;
  const name = videoCodecName[codec];
  return `${what} has no ${name} access units (is it Annex-B ${name}?)`;
}

/** An error as one line for a user: its message's first line. */
export function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}

/**
 * Calls `step(n)` for n = 0, 1, 2, ... at start + n * intervalMs (no drift), until step returns
 * false or stop() is called.
 */
export function pace(intervalMs: number, step: (n: number) => boolean): { stop(): void } {
  const started = performance.now();
  let n = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    // Catch up on steps that are due (a busy event loop) before waiting again.
    while (!stopped && performance.now() >= started + n * intervalMs) {
      if (!step(n++)) {
        stopped = true;
        return;
      }
    }
    timer = setTimeout(run, Math.max(0, started + n * intervalMs - performance.now()));
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
