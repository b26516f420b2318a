/**
 * The common RTCP header (RFC 3550 6.4): version, padding, a 5-bit count (or feedback message
 * type, FMT), packet type, and the length in 32-bit words minus one.
 */

export const RtcpPacketType = {
  senderReport: 200,
  receiverReport: 201,
  sourceDescription: 202,
  bye: 203,
  app: 204,
  /** RFC 4585 transport-layer feedback: generic NACK (FMT 1), TWCC (FMT 15). */
  transportFeedback: 205,
  /** RFC 4585 payload-specific feedback: PLI (FMT 1), FIR (FMT 4), REMB (FMT 15). */
  payloadFeedback: 206,
} as const;

export interface RtcpHeader {
  /** Report count, source count or feedback message type (FMT). */
  count: number;
  packetType: number;
  /** Whole packet size in bytes, header included. */
  size: number;
  padding: boolean;
}

export function readRtcpHeader(packet: Uint8Array, at = 0): RtcpHeader {
  if (packet.length - at < 4) throw new Error(`RTCP header truncated at byte ${at}`);
  const version = packet[at] >> 6;
  if (version !== 2) throw new Error(`RTCP version ${version} at byte ${at}, expected 2`);
  return {
    count: packet[at] & 0x1f,
    packetType: packet[at + 1],
    size: (((packet[at + 2] << 8) | packet[at + 3]) + 1) * 4,
    padding: (packet[at] & 0x20) !== 0,
  };
}

/** A new packet of `size` bytes (a multiple of 4) with its common header filled in. */
export function newRtcpPacket(count: number, packetType: number, size: number): Uint8Array {
  if (size % 4 !== 0 || count > 31) throw new RangeError("invalid RTCP packet size or count");
  const out = new Uint8Array(size);
  out[0] = 0x80 | count;
  out[1] = packetType;
  out[2] = (size / 4 - 1) >> 8;
  out[3] = (size / 4 - 1) & 0xff;
  return out;
}

/**
 * True when a packet on a muxed RTP/RTCP port is RTCP (RFC 5761 4): its second byte, marker
 * bit included, falls in 192..223, a range RTP payload types must stay out of.
 */
export function isRtcp(packet: Uint8Array): boolean {
  return packet.length >= 4 && packet[0] >> 6 === 2 && packet[1] >= 192 && packet[1] <= 223;
}

/** Checks the header of a packet expected to be of one kind and at least `minSize` bytes. */
export function expectRtcp(
  packet: Uint8Array,
  packetType: number,
  minSize: number,
  what: string,
): RtcpHeader {
  const header = readRtcpHeader(packet);
  if (header.packetType !== packetType) {
    throw new Error(`RTCP packet type ${header.packetType} is not ${what}`);
  }
  if (header.size > packet.length || header.size < minSize) {
    throw new Error(`RTCP ${what} of ${packet.length} bytes has a bad length`);
  }
  return header;
}
