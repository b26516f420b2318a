/**
 * The RTP header (RFC 3550 5.1): parse any valid packet (CSRCs, header extension, padding) and
 * write one. The payload is returned as a view into the packet, not a copy.
 */

export interface RtpHeaderExtension {
  /** "defined by profile": 0xBEDE for RFC 8285 one-byte elements, 0x100x for two-byte. */
  profile: number;
  data: Uint8Array;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension?: RtpHeaderExtension;
  /** Padding bytes at the end (count includes the count byte itself); 0 when none. */
  paddingSize: number;
  payload: Uint8Array;
}

/** Parses an RTP packet; throws an Error naming what is wrong with a malformed one. */
export function parseRtpPacket(packet: Uint8Array): RtpPacket {
  if (packet.length < 12) throw new Error(`RTP packet of ${packet.length} bytes is too short`);
  const version = packet[0] >> 6;
  if (version !== 2) throw new Error(`RTP version ${version}, expected 2`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const csrcCount = packet[0] & 0x0f;
  let at = 12 + 4 * csrcCount;
  if (at > packet.length) throw new Error(`RTP packet too short for ${csrcCount} CSRCs`);
  const csrcs = Array.from({ length: csrcCount }, (_, i) => view.getUint32(12 + 4 * i));
  let extension: RtpHeaderExtension | undefined;
  if (packet[0] & 0x10) {
    if (at + 4 > packet.length) throw new Error("RTP packet too short for its header extension");
    const length = view.getUint16(at + 2) * 4;
    if (at + 4 + length > packet.length) {
      throw new Error(`RTP header extension of ${length} bytes overruns the packet`);
    }
    extension = { profile: view.getUint16(at), data: packet.subarray(at + 4, at + 4 + length) };
    at += 4 + length;
  }
  let end = packet.length;
  let paddingSize = 0;
  if (packet[0] & 0x20) {
    paddingSize = packet[packet.length - 1];
    if (paddingSize === 0 || end - paddingSize < at) {
      throw new Error(`RTP padding of ${paddingSize} bytes is invalid here`);
    }
    end -= paddingSize;
  }
  return {
    marker: (packet[1] & 0x80) !== 0,
    payloadType: packet[1] & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    paddingSize,
    payload: packet.subarray(at, end),
  };
}

export type RtpPacketInit = Omit<RtpPacket, "csrcs" | "paddingSize"> & {
  csrcs?: number[];
  paddingSize?: number;
};

/** Serializes an RTP packet (header extension data must be a multiple of 4 bytes). */
export function serializeRtpPacket(packet: RtpPacketInit): Uint8Array {
  const csrcs = packet.csrcs ?? [];
  const padding = packet.paddingSize ?? 0;
  const ext = packet.extension;
  if (csrcs.length > 15) throw new RangeError("an RTP packet has at most 15 CSRCs");
  if (ext && ext.data.length % 4 !== 0) {
    throw new RangeError("RTP header extension data must be a multiple of 4 bytes");
  }
  if (padding < 0 || padding > 255) throw new RangeError(`RTP padding ${padding} out of range`);
  const headerSize = 12 + 4 * csrcs.length + (ext ? 4 + ext.data.length : 0);
  const out = new Uint8Array(headerSize + packet.payload.length + padding);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  view.setUint16(2, packet.sequenceNumber);
  view.setUint32(4, packet.timestamp);
  view.setUint32(8, packet.ssrc);
  csrcs.forEach((csrc, i) => view.setUint32(12 + 4 * i, csrc));
  let at = 12 + 4 * csrcs.length;
  if (ext) {
    view.setUint16(at, ext.profile);
    view.setUint16(at + 2, ext.data.length / 4);
    out.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  out.set(packet.payload, at);
  if (padding) out[out.length - 1] = padding;
  return out;
}

/**
 * The elements of an RFC 8285 header extension: id -> value. One-byte form (profile 0xBEDE)
 * and two-byte form (0x100x); padding bytes are skipped.
 */
export function parseHeaderExtensionElements(ext: RtpHeaderExtension): Map<number, Uint8Array> {
  const elements = new Map<number, Uint8Array>();
  const { data } = ext;
  const form = headerExtensionForm(ext.profile);
  if (form === 0) return elements;
  const element: HeaderExtensionElement = { id: 0, valueAt: 0, length: 0 };
  let at = 0;
  for (;;) {
    at = nextHeaderExtensionElement(data, at, data.length, form, element);
    if (at === elementsEnd) break;
    if (at === elementOverrun) {
      throw new Error(`RTP header extension element ${element.id} overruns`);
    }
    elements.set(element.id, data.subarray(element.valueAt, element.valueAt + element.length));
  }
  return elements;
}

/** Where one header extension element's value lies; reused from element to element. */
export interface HeaderExtensionElement {
  id: number;
  valueAt: number;
  length: number;
}

/** 1 for the one-byte form, 2 for the two-byte form, 0 for a profile RFC 8285 does not define. */
export function headerExtensionForm(profile: number): 0 | 1 | 2 {
  if (profile === 0xbede) return 1;
  return (profile & 0xfff0) === 0x1000 ? 2 : 0;
}

/** nextHeaderExtensionElement's answers besides a position: no more elements, or a bad one. */
export const elementsEnd = -1;
export const elementOverrun = -2;

/**
 * Reads the element at or after `bytes[at]` (padding bytes skipped), in a block ending at
 * `end`, into `element`; returns where the next one may start, or `elementsEnd` when there
 * are no more (the reserved one-byte id 15 ends them too, RFC 8285 4.2), or `elementOverrun`
 * when the element runs past the block. Walking a block this way allocates nothing.
 */
export function nextHeaderExtensionElement(
  bytes: Uint8Array,
  at: number,
  end: number,
  form: 1 | 2,
  element: HeaderExtensionElement,
): number {
  while (at < end && bytes[at] === 0) at++;
  if (at >= end) return elementsEnd;
  if (form === 1) {
    element.id = bytes[at] >> 4;
    if (element.id === 15) return elementsEnd;
    element.length = (bytes[at] & 0x0f) + 1;
    at += 1;
  } else {
    if (at + 2 > end) return elementsEnd;
    element.id = bytes[at];
    element.length = bytes[at + 1];
    at += 2;
  }
  element.valueAt = at;
  return at + element.length > end ? elementOverrun : at + element.length;
}
