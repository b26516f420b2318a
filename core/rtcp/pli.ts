/** Picture Loss Indication, PLI (RFC 4585 6.3.1): "send me a keyframe". No FCI. */
import { newFeedbackPacket, readFeedbackPacket } from "./feedback.ts";
import { RtcpPacketType } from "./header.ts";

export interface PictureLossIndication {
  senderSsrc: number;
  mediaSsrc: number;
}

const pliFmt = 1;

export function buildPli(pli: PictureLossIndication): Uint8Array {
  return newFeedbackPacket(RtcpPacketType.payloadFeedback, pliFmt, pli.senderSsrc, pli.mediaSsrc, 0)
    .packet;
}

export function parsePli(packet: Uint8Array): PictureLossIndication {
  const { senderSsrc, mediaSsrc } = readFeedbackPacket(
    packet,
    RtcpPacketType.payloadFeedback,
    pliFmt,
    "a PLI",
  );
  return { senderSsrc, mediaSsrc };
}
