/**
 * Full Intra Request, FIR (RFC 5104 4.3.1): a keyframe request per media source, each with a
 * command sequence number so a repeated request can be told from a new one.
 */
import { newFeedbackPacket, readFeedbackPacket } from "./feedback.ts";
import { RtcpPacketType } from "./header.ts";

export interface FullIntraRequest {
  senderSsrc: number;
  entries: { ssrc: number; sequenceNumber: number }[];
}

const firFmt = 4;

export function buildFir(fir: FullIntraRequest): Uint8Array {
  const { packet, view } = newFeedbackPacket(
    RtcpPacketType.payloadFeedback,
    firFmt,
    fir.senderSsrc,
    0, // the media source SSRC is unused: each FCI entry names its source
    8 * fir.entries.length,
  );
  fir.entries.forEach((entry, i) => {
    view.setUint32(12 + 8 * i, entry.ssrc);
    view.setUint8(16 + 8 * i, entry.sequenceNumber & 0xff);
  });
  return packet;
}

export function parseFir(packet: Uint8Array): FullIntraRequest {
  const { senderSsrc, view, end } = readFeedbackPacket(
    packet,
    RtcpPacketType.payloadFeedback,
    firFmt,
    "a FIR",
  );
  const entries = [];
  for (let at = 12; at + 8 <= end; at += 8) {
    entries.push({ ssrc: view.getUint32(at), sequenceNumber: view.getUint8(at + 4) });
  }
  return { senderSsrc, entries };
}
