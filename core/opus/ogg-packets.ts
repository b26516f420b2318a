/**
 * Reads the packets of an Ogg stream (RFC 3533): pages checked (capture pattern, version, CRC),
 * packets reassembled from their lacing segments, also across pages.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";

export interface OggPacket {
  serial: number;
  /** Granule position of the page where the packet ends (-1 when no packet ends there). */
  granulePosition: bigint;
  data: Uint8Array;
}

export function* oggPackets(bytes: Uint8Array): Generator<OggPacket> {
  const partial = new Map<number, Uint8Array[]>(); // serial -> segments of an unfinished packet
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 27) throw new Error(`truncated Ogg page header at byte ${at}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset + at);
    if (view.getUint32(0) !== 0x4f676753) throw new Error(`no Ogg capture pattern at byte ${at}`);
    if (bytes[at + 4] !== 0) throw new Error(`unknown Ogg version ${bytes[at + 4]} at byte ${at}`);
    const granulePosition = view.getBigInt64(6, true);
    const serial = view.getUint32(14, true);
    const segments = bytes[at + 26];
    const headerSize = 27 + segments;
    const lacing = bytes.subarray(at + 27, at + headerSize);
    const bodySize = lacing.reduce((sum, n) => sum + n, 0);
    const pageEnd = at + headerSize + bodySize;
    if (lacing.length < segments || pageEnd > bytes.length) {
      throw new Error(`truncated Ogg page at byte ${at}`);
    }
    const page = bytes.subarray(at, pageEnd);
    if (oggCrc(page) !== view.getUint32(22, true)) {
      throw new Error(`Ogg page CRC mismatch at byte ${at}`);
    }
    let body = at + headerSize;
    let pieces = partial.get(serial) ?? [];
    for (const size of lacing) {
      pieces.push(bytes.subarray(body, body + size));
      body += size;
      if (size < 255) { // a lacing value under 255 ends the packet
        yield {
          serial,
          granulePosition,
          data: pieces.length === 1 ? pieces[0] : concatBytes(pieces),
        };
        pieces = [];
      }
    }
    partial.set(serial, pieces);
    at = pageEnd;
  }
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
