/**
 * Reads the packets of an Ogg stream (RFC 3533): pages checked (capture pattern, version, CRC),
 * packets reassembled from their lacing segments, also across pages. `OggPacketReader` takes
 * the stream in chunks as they arrive (a pipe from opusenc ! oggmux or ffmpeg -f ogg) and holds
 * at most one page and one unfinished packet per logical stream.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";

export interface OggPacket {
  serial: number;
  /** Granule position of the page where the packet ends (-1 when no packet ends there). */
  granulePosition: bigint;
  data: Uint8Array;
}

/** The largest Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255 bytes. */
export const maxOggPageBytes = 27 + 255 + 255 * 255;

/** The default bound on one packet reassembled across pages. */
export const defaultMaxOggPacketBytes = 1 << 20;

export class OggPacketReader {
  readonly #maxPacketBytes: number;
  readonly #partial = new Map<number, Uint8Array[]>(); // serial -> segments of an unfinished packet
  #held = new Uint8Array(0); // the start of a page whose rest has not arrived
  #offset = 0; // stream offset of #held[0], for the errors

  constructor(maxPacketBytes = defaultMaxOggPacketBytes) {
    this.#maxPacketBytes = maxPacketBytes;
  }

  /** Bytes held waiting for the rest of a page. */
  get held(): number {
    return this.#held.length;
  }

  /** Stream offset of the first byte not yet read as part of a whole page. */
  get offset(): number {
    return this.#offset;
  }

  /** Adds bytes; returns the packets they complete. Throws on a malformed page. */
  push(chunk: Uint8Array): OggPacket[] {
    // The held bytes are less than a page, so this copy is bounded by one page plus the chunk.
    const bytes = this.#held.length === 0 ? chunk : concatBytes([this.#held, chunk]);
    const out: OggPacket[] = [];
    let at = 0;
    for (;;) {
      const pageEnd = this.#pageEnd(bytes, at);
      if (pageEnd === undefined) break;
      this.#readPage(bytes.subarray(at, pageEnd), this.#offset + at, out);
      at = pageEnd;
    }
    this.#held = bytes.slice(at);
    this.#offset += at;
    return out;
  }

  /** Where the page at `at` ends, or undefined when it has not all arrived. */
  #pageEnd(bytes: Uint8Array, at: number): number | undefined {
    checkCapture(bytes.subarray(at, at + 4), this.#offset + at);
    if (bytes.length - at < 27) return undefined;
    if (bytes[at + 4] !== 0) {
      throw new Error(`unknown Ogg version ${bytes[at + 4]} at byte ${this.#offset + at}`);
    }
    const headerSize = 27 + bytes[at + 26];
    if (bytes.length - at < headerSize) return undefined;
    const bodySize = bytes.subarray(at + 27, at + headerSize).reduce((sum, n) => sum + n, 0);
    const pageEnd = at + headerSize + bodySize;
    return pageEnd > bytes.length ? undefined : pageEnd;
  }

  #readPage(page: Uint8Array, offset: number, out: OggPacket[]) {
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    if (oggCrc(page) !== view.getUint32(22, true)) {
      throw new Error(`Ogg page CRC mismatch at byte ${offset}`);
    }
    const granulePosition = view.getBigInt64(6, true);
    const serial = view.getUint32(14, true);
    const lacing = page.subarray(27, 27 + page[26]);
    let body = 27 + lacing.length;
    let pieces = this.#partial.get(serial) ?? [];
    let size = pieces.reduce((sum, p) => sum + p.length, 0);
    for (const segment of lacing) {
      pieces.push(page.slice(body, body + segment)); // the chunk's buffer is not ours to keep
      body += segment;
      size += segment;
      if (size > this.#maxPacketBytes) {
        throw new Error(`an Ogg packet is over the ${this.#maxPacketBytes}-byte bound`);
      }
      if (segment < 255) { // a lacing value under 255 ends the packet
        out.push({
          serial,
          granulePosition,
          data: pieces.length === 1 ? pieces[0] : concatBytes(pieces),
        });
        pieces = [];
        size = 0;
      }
    }
    this.#partial.set(serial, pieces);
  }
}

const capturePattern = [0x4f, 0x67, 0x67, 0x53]; // "OggS"

/** Throws unless `bytes` (a page's first four bytes, or fewer so far) match "OggS". */
function checkCapture(bytes: Uint8Array, offset: number): void {
  if (bytes.some((b, i) => b !== capturePattern[i])) {
    throw new Error(`no Ogg capture pattern at byte ${offset}`);
  }
}

/** The packets of a whole Ogg stream in memory; throws if it ends inside a page. */
export function* oggPackets(bytes: Uint8Array): Generator<OggPacket> {
  const reader = new OggPacketReader();
  yield* reader.push(bytes);
  if (reader.held > 0) throw new Error(`truncated Ogg page at byte ${reader.offset}`);
}

let crcTable: Uint32Array | undefined;

/** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial 0, CRC field taken as zero. */
export function oggCrc(page: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let r = n << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    return r >>> 0;
  });
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : page[i];
    crc = ((crc << 8) ^ crcTable[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  }
  return crc;
}
