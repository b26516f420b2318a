/**
 * Source description, SDES (RFC 3550 6.5), CNAME items only: every compound RTCP packet a
 * sender emits carries its CNAME.
 */
import { expectRtcp, newRtcpPacket, RtcpPacketType } from "./header.ts";

export interface SourceDescription {
  chunks: { ssrc: number; cname: string }[];
}

const cnameItem = 1;

export function buildSourceDescription(sdes: SourceDescription): Uint8Array {
  const encoded = sdes.chunks.map((c) => ({
    ssrc: c.ssrc,
    cname: new TextEncoder().encode(c.cname),
  }));
  // Each chunk: SSRC, CNAME item (type, length, text), a zero end byte, padded to 4 bytes.
  const chunkSize = (cnameLength: number) => Math.ceil((4 + 2 + cnameLength + 1) / 4) * 4;
  const size = 4 + encoded.reduce((sum, c) => sum + chunkSize(c.cname.length), 0);
  const out = newRtcpPacket(encoded.length, RtcpPacketType.sourceDescription, size);
  const view = new DataView(out.buffer);
  let at = 4;
  for (const { ssrc, cname } of encoded) {
    if (cname.length > 255) throw new RangeError("an SDES CNAME is at most 255 bytes");
    view.setUint32(at, ssrc);
    out[at + 4] = cnameItem;
    out[at + 5] = cname.length;
    out.set(cname, at + 6);
    at += chunkSize(cname.length);
  }
  return out;
}

export function parseSourceDescription(packet: Uint8Array): SourceDescription {
  const { count, size } = expectRtcp(packet, RtcpPacketType.sourceDescription, 4, "an SDES");
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const chunks: SourceDescription["chunks"] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > size) throw new Error("SDES chunk overruns the packet");
    const ssrc = view.getUint32(at);
    at += 4;
    let cname = "";
    while (at < size && packet[at] !== 0) {
      const type = packet[at];
      const length = packet[at + 1];
      if (at + 2 + length > size) throw new Error("SDES item overruns the packet");
      if (type === cnameItem) {
        cname = new TextDecoder().decode(packet.subarray(at + 2, at + 2 + length));
      }
      at += 2 + length;
    }
    at = Math.ceil((at + 1) / 4) * 4; // the end byte, then padding to the next 32-bit word
    chunks.push({ ssrc, cname });
  }
  return { chunks };
}
