/**
 * A viewer's --timestamps file: one JSON line per video frame and audio packet received, in
 * order, with its RTP timestamp and its presentation time on the master's clock (the sender
 * reports' mapping, one clock for both tracks), so audio and video can be lined up as the
 * source timed them. Bounded (`maxTimestampsBytes`): past that, or after a failed write,
 * nothing more is written, and `full` says why.
 */
import { closeSync, openSync, writeSync } from "node:fs";

/** Lines of about 120 bytes: some 8 hours of a 30 fps stream with 50 audio packets a second. */
export const maxTimestampsBytes = 256 * 1024 * 1024;

export interface TimestampRecord {
  track: "video" | "audio";
  rtpTimestamp: number;
  /** Unix ms on the master's clock; null before the track's first sender report. */
  senderTimeMs: number | null;
  /** Unix ms on this viewer's clock, when it was received whole. */
  receivedAtMs: number;
  bytes: number;
  keyframe?: boolean;
}

export class TimestampsFile {
  readonly path: string;
  full?: string;
  #bytes = 0;
  #fd?: number;

  /** Throws a one-line error when the file cannot be created. */
  constructor(path: string) {
    this.path = path;
    try {
      this.#fd = openSync(path, "w");
    } catch (error) {
      throw new Error(`--timestamps ${path}: ${(error as Error).message}`);
    }
  }

  /** False when it was not written (the bound was reached or a write failed). */
  write(record: TimestampRecord): boolean {
    if (this.full || this.#fd === undefined) return false;
    const line = `${JSON.stringify(record)}\n`;
    if (this.#bytes + line.length > maxTimestampsBytes) {
      this.full = `it reached its bound of ${maxTimestampsBytes / 2 ** 20} MiB`;
      return false;
    }
    try {
      writeSync(this.#fd, line);
    } catch (error) {
      this.full = `a write failed: ${(error as Error).message}`;
      return false;
    }
    this.#bytes += line.length;
    return true;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
