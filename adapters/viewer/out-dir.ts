/**
 * A viewer's --out directory: each complete access unit as frame-0001.h264, ... (Annex-B) and
 * each Opus packet as audio-0001.opus, ... beside them, numbered in arrival order. What it
 * writes is bounded (`maxBytes`): past that, or after a write fails (a full disk), nothing
 * more is written, and `full` says why. A file is whole or absent: one that could not be
 * written completely is removed.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

  constructor(dir: string, maxBytes = maxOutDirBytes) {
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** False when it was not written (the directory is full or a write failed). */
  writeFrame(accessUnit: Uint8Array): boolean {
    return this.#write("frame", "h264", accessUnit);
  }

  writeAudio(packet: Uint8Array): boolean {
    return this.#write("audio", "opus", packet);
  }

  #write(prefix: "frame" | "audio", extension: string, bytes: Uint8Array): boolean {
    if (this.full) return false;
    const name = `${prefix}-${String(this.#written[prefix] + 1).padStart(4, "0")}.${extension}`;
    const counted = Math.ceil(Math.max(bytes.byteLength, 1) / blockBytes) * blockBytes;
    if (this.bytes + counted > this.maxBytes) {
      this.full = `it reached its bound of ${this.maxBytes / 2 ** 20} MiB`;
      return false;
    }
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
}
