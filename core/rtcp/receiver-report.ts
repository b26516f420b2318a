/** RTCP receiver report, RR (RFC 3550 6.4.2): reception statistics from a non-sender. */
import { RtcpPacketType } from "./header.ts";
import { newReportPacket, readReportPacket, type ReportBlock } from "./report-block.ts";

export interface ReceiverReport {
  ssrc: number;
  reports: ReportBlock[];
}

const fixedSize = 8;

export function buildReceiverReport(rr: ReceiverReport): Uint8Array {
  const view = newReportPacket(RtcpPacketType.receiverReport, fixedSize, rr.reports);
  view.setUint32(4, rr.ssrc);
  return new Uint8Array(view.buffer);
}

export function parseReceiverReport(packet: Uint8Array): ReceiverReport {
  const { view, reports } = readReportPacket(
    packet,
    RtcpPacketType.receiverReport,
    fixedSize,
    "receiver report",
  );
  return { ssrc: view.getUint32(4), reports };
}
