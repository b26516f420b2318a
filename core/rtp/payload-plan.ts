/**
 * RTP payload plans: how an access unit is cut into RTP payloads, described without copying
 * it. An access unit is planned once; the plans are kept beside the frame and serve every
 * viewer and every retransmission, each time writing straight from the frame's bytes.
 */
import type { ByteRange } from "../h264/nal-unit.ts";

/** A slice of the planned access unit's (or Opus packet's) bytes. */
export type PayloadRange = ByteRange;

/** One RTP payload: small header bytes (Uint8Array) and ranges of the source, in order. */
export interface PayloadPlan {
  pieces: readonly (Uint8Array | PayloadRange)[];
  /** Payload bytes in all, so the RTP packet is 12 + size bytes. */
  size: number;
  /** RTP marker bit: set on the last packet of an access unit. */
  marker: boolean;
}

/** The RTP fixed header fields a sender sets per packet (no CSRCs, no extension). */
export interface RtpSendHeader {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

/** Size of the fixed RTP header that writeRtpPacket writes. */
export const rtpFixedHeaderSize = 12;

/**
 * Writes one RTP packet (fixed 12-byte header, then the planned payload from `source`) into
 * `out` and returns its length. `out` must hold 12 + plan.size bytes.
 */
export function writeRtpPacket(
  out: Uint8Array,
  header: RtpSendHeader,
  plan: PayloadPlan,
  source: Uint8Array,
): number {
  const length = rtpFixedHeaderSize + plan.size;
  if (out.length < length) {
    throw new RangeError(`RTP packet needs ${length} bytes, the output buffer has ${out.length}`);
  }
  const { sequenceNumber: seq, timestamp: ts, ssrc } = header;
  out[0] = 0x80; // version 2, no padding, no extension, no CSRC
  out[1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  out[2] = (seq >>> 8) & 0xff;
  out[3] = seq & 0xff;
  out[4] = ts >>> 24;
  out[5] = (ts >>> 16) & 0xff;
  out[6] = (ts >>> 8) & 0xff;
  out[7] = ts & 0xff;
  out[8] = ssrc >>> 24;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
  let at = rtpFixedHeaderSize;
  for (const piece of plan.pieces) {
    if (piece instanceof Uint8Array) {
      out.set(piece, at);
      at += piece.length;
    } else {
      out.set(source.subarray(piece.offset, piece.offset + piece.length), at);
      at += piece.length;
    }
  }
  return at;
}
