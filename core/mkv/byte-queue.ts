/**
 * Bytes received but not yet parsed, kept as the chunks they came in: waiting for a long
 * element costs nothing per chunk, and only the bytes asked for are ever joined.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";

export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** The first `count` bytes (at most what is held), left in the queue. */
  peek(count: number): Uint8Array {
    const first = this.#chunks[0];
    if (first && first.length >= count) return first.subarray(0, count);
    const parts: Uint8Array[] = [];
    let left = Math.min(count, this.#length);
    for (const chunk of this.#chunks) {
      if (left === 0) break;
      const part = chunk.subarray(0, left);
      parts.push(part);
      left -= part.length;
    }
    return concatBytes(parts);
  }

  /** Takes the first `count` bytes (the caller checked they are held). */
  take(count: number): Uint8Array {
    const bytes = this.peek(count);
    this.skip(count);
    return bytes;
  }

  /** Drops up to `count` bytes; returns how many were dropped. */
  skip(count: number): number {
    let left = Math.min(count, this.#length);
    const dropped = left;
    while (left > 0) {
      const first = this.#chunks[0];
      if (first.length <= left) {
        this.#chunks.shift();
        left -= first.length;
      } else {
        this.#chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#length -= dropped;
    return dropped;
  }
}
