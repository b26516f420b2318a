/**
 * Receiver Estimated Maximum Bitrate, REMB (draft-alvestrand-rmcat-remb): the bandwidth a
 * receiver estimates, as a 6-bit exponent and 18-bit mantissa, for the SSRCs it lists.
 */
import { newFeedbackPacket, readFeedbackPacket } from "./feedback.ts";
import { RtcpPacketType } from "./header.ts";

export interface ReceiverEstimatedMaxBitrate {
  senderSsrc: number;
  /** Bits per second. */
  bitrate: number;
  ssrcs: number[];
}

const rembFmt = 15; // application-layer feedback
const rembIdentifier = 0x52454d42; // "REMB"

export function isRemb(packet: Uint8Array): boolean {
  return packet.length >= 16 && packet[1] === RtcpPacketType.payloadFeedback &&
    (packet[0] & 0x1f) === rembFmt &&
    new DataView(packet.buffer, packet.byteOffset).getUint32(12) === rembIdentifier;
}

export function parseRemb(packet: Uint8Array): ReceiverEstimatedMaxBitrate {
  const { senderSsrc, view, end } = readFeedbackPacket(
    packet,
    RtcpPacketType.payloadFeedback,
    rembFmt,
    "a REMB",
  );
  if (end < 20 || view.getUint32(12) !== rembIdentifier) {
    throw new Error("RTCP application feedback is not a REMB");
  }
  const count = view.getUint8(16);
  if (end < 20 + 4 * count) throw new Error(`REMB too short for ${count} SSRCs`);
  const bits = view.getUint32(16) & 0xffffff;
  const bitrate = (bits & 0x3ffff) * 2 ** (bits >>> 18);
  const ssrcs = Array.from({ length: count }, (_, i) => view.getUint32(20 + 4 * i));
  return { senderSsrc, bitrate, ssrcs };
}

/** Builds a REMB (the bitrate is rounded down to what 18 mantissa bits can say). */
export function buildRemb(remb: ReceiverEstimatedMaxBitrate): Uint8Array {
  let exponent = 0;
  let mantissa = Math.floor(remb.bitrate);
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  const { packet, view } = newFeedbackPacket(
    RtcpPacketType.payloadFeedback,
    rembFmt,
    remb.senderSsrc,
    0,
    8 + 4 * remb.ssrcs.length,
  );
  view.setUint32(12, rembIdentifier);
  view.setUint32(16, ((remb.ssrcs.length << 24) | (exponent << 18) | mantissa) >>> 0);
  remb.ssrcs.forEach((ssrc, i) => view.setUint32(20 + 4 * i, ssrc));
  return packet;
}
