/**
 * One entry point for a received (compound) RTCP packet: each packet it holds, parsed into
 * the kinds kvsrtc acts on; the rest are passed on as `other` with their type and FMT.
 */
import { splitCompoundRtcp } from "./compound.ts";
import { readRtcpHeader, RtcpPacketType } from "./header.ts";
import { type FullIntraRequest, parseFir } from "./fir.ts";
import { type GenericNack, parseNack } from "./nack.ts";
import { parsePli, type PictureLossIndication } from "./pli.ts";
import { isRemb, parseRemb, type ReceiverEstimatedMaxBitrate } from "./remb.ts";
import { parseSenderReport, type SenderReport } from "./sender-report.ts";
import { parseSourceDescription, type SourceDescription } from "./source-description.ts";
import { parseReceiverReport, type ReceiverReport } from "./receiver-report.ts";
import { parseTransportCc, type TransportCcFeedback, transportCcFmt } from "./transport-cc.ts";

export type RtcpPacket =
  | { kind: "senderReport"; packet: SenderReport }
  | { kind: "receiverReport"; packet: ReceiverReport }
  | { kind: "sourceDescription"; packet: SourceDescription }
  | { kind: "nack"; packet: GenericNack }
  | { kind: "pli"; packet: PictureLossIndication }
  | { kind: "fir"; packet: FullIntraRequest }
  | { kind: "remb"; packet: ReceiverEstimatedMaxBitrate }
  | { kind: "transportCc"; packet: TransportCcFeedback }
  | { kind: "other"; packetType: number; fmt: number; bytes: Uint8Array };

export function parseRtcp(compound: Uint8Array): RtcpPacket[] {
  return splitCompoundRtcp(compound).map(parseOne);
}

function parseOne(bytes: Uint8Array): RtcpPacket {
  const { packetType, count: fmt } = readRtcpHeader(bytes);
  const { payloadFeedback, transportFeedback } = RtcpPacketType;
  switch (packetType) {
    case RtcpPacketType.senderReport:
      return { kind: "senderReport", packet: parseSenderReport(bytes) };
    case RtcpPacketType.receiverReport:
      return { kind: "receiverReport", packet: parseReceiverReport(bytes) };
    case RtcpPacketType.sourceDescription:
      return { kind: "sourceDescription", packet: parseSourceDescription(bytes) };
  }
  if (packetType === transportFeedback && fmt === 1) {
    return { kind: "nack", packet: parseNack(bytes) };
  }
  if (packetType === transportFeedback && fmt === transportCcFmt) {
    return { kind: "transportCc", packet: parseTransportCc(bytes) };
  }
  if (packetType === payloadFeedback && fmt === 1) return { kind: "pli", packet: parsePli(bytes) };
  if (packetType === payloadFeedback && fmt === 4) return { kind: "fir", packet: parseFir(bytes) };
  if (isRemb(bytes)) return { kind: "remb", packet: parseRemb(bytes) };
  return { kind: "other", packetType, fmt, bytes };
}
