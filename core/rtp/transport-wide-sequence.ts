/**
 * The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 2)
 * as an RFC 8285 header extension: written as a one-byte-header block of its own, read from
 * either form. Both run per packet, so neither allocates.
 */

export const transportWideSequenceUri =
  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/**
 * Bytes of the block the writer produces: the 0xBEDE profile and a length of one word, then
 * the element (id and length nibble, two bytes of sequence number) and one byte of padding.
 */
export const transportWideSequenceBlockSize = 8;

/** Writes the whole extension block at `out[offset]`; `id` is the negotiated extmap id. */
export function writeTransportWideSequence(
  out: Uint8Array,
  offset: number,
  id: number,
  sequenceNumber: number,
): void {
  if (id < 1 || id > 14) throw new RangeError(`one-byte header extension id ${id} is not 1..14`);
  out[offset] = 0xbe;
  out[offset + 1] = 0xde;
  out[offset + 2] = 0;
  out[offset + 3] = 1;
  out[offset + 4] = (id << 4) | 1; // the length nibble is the value's size minus one
  out[offset + 5] = (sequenceNumber >>> 8) & 0xff;
  out[offset + 6] = sequenceNumber & 0xff;
  out[offset + 7] = 0;
}

/**
 * The transport-wide sequence number an RTP packet carries under extension `id`, or -1 when
 * it carries none (or the packet is too malformed to tell).
 */
export function readTransportWideSequence(packet: Uint8Array, id: number): number {
  if (packet.length < 12 || (packet[0] & 0x10) === 0) return -1;
  const blockAt = 12 + 4 * (packet[0] & 0x0f);
  if (blockAt + 4 > packet.length) return -1;
  const profile = (packet[blockAt] << 8) | packet[blockAt + 1];
  const end = blockAt + 4 + 4 * ((packet[blockAt + 2] << 8) | packet[blockAt + 3]);
  if (end > packet.length) return -1;
  const oneByte = profile === 0xbede;
  if (!oneByte && (profile & 0xfff0) !== 0x1000) return -1;
  let at = blockAt + 4;
  while (at < end) {
    if (packet[at] === 0) { // padding between elements
      at++;
      continue;
    }
    let elementId: number, length: number;
    if (oneByte) {
      elementId = packet[at] >> 4;
      if (elementId === 15) return -1; // reserved: the rest is not to be read (RFC 8285 4.2)
      length = (packet[at] & 0x0f) + 1;
      at += 1;
    } else {
      if (at + 2 > end) return -1;
      elementId = packet[at];
      length = packet[at + 1];
      at += 2;
    }
    if (at + length > end) return -1;
    if (elementId === id) return length === 2 ? (packet[at] << 8) | packet[at + 1] : -1;
    at += length;
  }
  return -1;
}
