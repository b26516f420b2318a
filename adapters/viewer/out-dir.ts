/**
 * A viewer's --out directory: each complete access unit as frame-0001.h264 or .h265, ...
 * (Annex-B), VP8 frames one after another in video.ivf, and each Opus packet as
 * audio-0001.opus, ... beside them, numbered in arrival order. What it writes is bounded
 * (`maxBytes`): past that, or after a write fails (a full disk), nothing more is written, and
 * `full` says why. A file is whole or absent, and video.ivf ends after a whole frame: what
 * could not be written completely is taken back.
 */
import { appendFileSync, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VideoCodec } from "../../core/media/video-codec.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { IvfWriter } from "../../core/vp8/ivf.ts";

/** The VP8 frames' file in the directory. */
export const ivfFileName = "video.ivf";

/**
 * Default bound on what one viewer writes: a recording of ~15 min of a 10 Mbit/s stream, while
 * a master that sends tiny frames as fast as it can would otherwise fill the disk in minutes.
 */
export const maxOutDirBytes = 1024 * 1024 * 1024;
/** A file takes whole blocks of the file system: each counts at least this. */
const blockBytes = 4096;

export class OutDir {
  readonly dir: string;
  readonly maxBytes: number;
  /** Why it stopped writing, once it did. */
  full?: string;
  /** Bytes counted so far (each file rounded up to whole blocks). */
  bytes = 0;
  /** Files written so far, by name prefix. */
  readonly #written = { frame: 0, audio: 0 };
  readonly #ivf = new IvfWriter();

  constructor(dir: string, maxBytes = maxOutDirBytes) {
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /**
   * One frame in `codec`, at its RTP timestamp; false when it was not written (the directory
   * is full or a write failed).
   */
  writeFrame(frame: Uint8Array, codec: VideoCodec, rtpTimestamp: number): boolean {
    if (codec !== "vp8") return this.#write("frame", codec, frame);
    if (this.full) return false;
    const bytes = concatBytes([...this.#ivf.before(frame, rtpTimestamp), frame]);
    if (this.bytes + bytes.length > this.maxBytes) return this.#reachedBound();
    const path = join(this.dir, ivfFileName);
    let size = 0;
    try {
      size = this.#written.frame === 0 ? 0 : statSync(path).size;
      appendFileSync(path, bytes);
    } catch (error) {
      try {
        if (size === 0) rmSync(path, { force: true });
        else truncateSync(path, size);
      } catch { /* what failed the write fails this too: the directory is unusable */ }
      this.full = `writing ${ivfFileName} failed: ${(error as Error).message}`;
      return false;
    }
    this.bytes += bytes.length;
    this.#written.frame++;
    return true;
  }

  writeAudio(packet: Uint8Array): boolean {
    return this.#write("audio", "opus", packet);
  }

  #write(prefix: "frame" | "audio", extension: string, bytes: Uint8Array): boolean {
    if (this.full) return false;
    const name = `${prefix}-${String(this.#written[prefix] + 1).padStart(4, "0")}.${extension}`;
    const counted = Math.ceil(Math.max(bytes.byteLength, 1) / blockBytes) * blockBytes;
    if (this.bytes + counted > this.maxBytes) return this.#reachedBound();
    const path = join(this.dir, name);
    try {
      writeFileSync(path, bytes);
    } catch (error) {
      rmSync(path, { force: true });
      this.full = `writing ${name} failed: ${(error as Error).message}`;
      return false;
    }
    this.bytes += counted;
    this.#written[prefix]++;
    return true;
  }

  #reachedBound(): false {
    this.full = `it reached its bound of ${this.maxBytes / 2 ** 20} MiB`;
    return false;
  }
}
