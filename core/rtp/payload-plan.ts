/**
 * RTP payload plans: how an access unit is cut into RTP payloads, described without copying
 * it. An access unit is planned once per payload budget; the plans are kept beside the frame
 * and serve every viewer and every retransmission, each time writing straight from the frame's
 * bytes.
 */

/**
 * One RTP payload, in order: small header bytes of its own and views of the frame's bytes
 * (never copies). The views are made once, when the frame is planned, so writing a packet
 * allocates nothing, which keeps a non-moving collector such as JavaScriptCore's from holding
 * heap for per-packet garbage.
 */
export interface PayloadPlan {
  pieces: readonly Uint8Array[];
  /** Payload bytes in all, so the RTP packet is 12 + size bytes. */
  size: number;
  /** RTP marker bit: set on the last packet of an access unit. */
  marker: boolean;
}

/** The RTP fixed header fields a sender sets per packet (no CSRCs). */
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
 * Writes one RTP packet into `out` and returns its length: the fixed 12-byte header, then
 * `extensionSize` bytes left for the caller's header extension block (RFC 8285; the X bit is
 * set when there is one), then the planned payload. `out` must hold all of it. Every argument
 * is required: under JavaScriptCore a call with fewer arguments than parameters needs an arity
 * fix-up, and this runs for every packet.
 */
export function writeRtpPacket(
  out: Uint8Array,
  header: RtpSendHeader,
  plan: PayloadPlan,
  extensionSize: number,
): number {
  const length = rtpFixedHeaderSize + extensionSize + plan.size;
  if (out.length < length) {
    throw new RangeError(`RTP packet needs ${length} bytes, the output buffer has ${out.length}`);
  }
  const { sequenceNumber: seq, timestamp: ts, ssrc } = header;
  out[0] = extensionSize > 0 ? 0x90 : 0x80; // version 2, no padding, no CSRC; X if extended
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
  let at = rtpFixedHeaderSize + extensionSize;
  const pieces = plan.pieces;
  for (let i = 0; i < pieces.length; i++) {
    out.set(pieces[i], at);
    at += pieces[i].length;
  }
  return at;
}
