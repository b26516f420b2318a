/**
 * The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 2)
 * as an RFC 8285 header extension: written as a one-byte-header block of its own, read from
 * either form. Both run per packet, so neither allocates.
 */
import {
  type HeaderExtensionElement,
  headerExtensionForm,
  nextHeaderExtensionElement,
} from "./header.ts";

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

const element: HeaderExtensionElement = { id: 0, valueAt: 0, length: 0 };

/**
 * The transport-wide sequence number an RTP packet carries under extension `id`, or -1 when
 * it carries none (or the packet is too malformed to tell).
 */
export function readTransportWideSequence(packet: Uint8Array, id: number): number {
  if (packet.length < 12 || (packet[0] & 0x10) === 0) return -1;
  const blockAt = 12 + 4 * (packet[0] & 0x0f);
  if (blockAt + 4 > packet.length) return -1;
  const form = headerExtensionForm((packet[blockAt] << 8) | packet[blockAt + 1]);
  const end = blockAt + 4 + 4 * ((packet[blockAt + 2] << 8) | packet[blockAt + 3]);
  if (form === 0 || end > packet.length) return -1;
  let at = blockAt + 4;
  while ((at = nextHeaderExtensionElement(packet, at, end, form, element)) >= 0) {
    if (element.id !== id) continue;
    const valueAt = element.valueAt;
    return element.length === 2 ? (packet[valueAt] << 8) | packet[valueAt + 1] : -1;
  }
  return -1;
}
