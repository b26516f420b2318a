/**
 * The layout shared by RTCP feedback messages (RFC 4585 6.1): header with FMT, SSRC of the
 * packet sender, SSRC of the media source, then feedback control information (FCI).
 */
import { expectRtcp, newRtcpPacket } from "./header.ts";

export const feedbackHeaderSize = 12;

export function newFeedbackPacket(
  packetType: number,
  fmt: number,
  senderSsrc: number,
  mediaSsrc: number,
  fciSize: number,
): { packet: Uint8Array; view: DataView } {
  const packet = newRtcpPacket(fmt, packetType, feedbackHeaderSize + fciSize);
  const view = new DataView(packet.buffer);
  view.setUint32(4, senderSsrc);
  view.setUint32(8, mediaSsrc);
  return { packet, view };
}

export function readFeedbackPacket(
  packet: Uint8Array,
  packetType: number,
  fmt: number,
  what: string,
): { senderSsrc: number; mediaSsrc: number; view: DataView; end: number } {
  const header = expectRtcp(packet, packetType, feedbackHeaderSize, what);
  if (header.count !== fmt) throw new Error(`RTCP feedback FMT ${header.count} is not ${what}`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { senderSsrc: view.getUint32(4), mediaSsrc: view.getUint32(8), view, end: header.size };
}
