/** RTCP sender report, SR (RFC 3550 6.4.1): the sender's NTP and RTP clocks and its counts. */
import { RtcpPacketType } from "./header.ts";
import { newReportPacket, readReportPacket, type ReportBlock } from "./report-block.ts";

export interface SenderReport {
  ssrc: number;
  /** NTP timestamp: seconds since 1900 and the fraction of a second in 1/2^32 units. */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

const fixedSize = 28;
const ntpEpochOffset = 2208988800; // seconds from 1900 to 1970

/** The NTP timestamp of a Unix time in milliseconds. */
export function ntpTime(unixMs: number): { ntpSeconds: number; ntpFraction: number } {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 2 ** 32);
  return { ntpSeconds: (seconds + ntpEpochOffset) >>> 0, ntpFraction: fraction >>> 0 };
}

/** The Unix time in milliseconds of an NTP timestamp (the inverse of ntpTime). */
export function unixMsOfNtp(sr: Pick<SenderReport, "ntpSeconds" | "ntpFraction">): number {
  return (sr.ntpSeconds - ntpEpochOffset) * 1000 + (sr.ntpFraction / 2 ** 32) * 1000;
}

/** The middle 32 bits of an SR's NTP timestamp: what a report block's LSR field echoes. */
export function compactNtp(sr: Pick<SenderReport, "ntpSeconds" | "ntpFraction">): number {
  return (((sr.ntpSeconds & 0xffff) << 16) | (sr.ntpFraction >>> 16)) >>> 0;
}

export function buildSenderReport(sr: SenderReport): Uint8Array {
  const view = newReportPacket(RtcpPacketType.senderReport, fixedSize, sr.reports);
  view.setUint32(4, sr.ssrc);
  view.setUint32(8, sr.ntpSeconds);
  view.setUint32(12, sr.ntpFraction);
  view.setUint32(16, sr.rtpTimestamp >>> 0);
  view.setUint32(20, sr.packetCount >>> 0);
  view.setUint32(24, sr.octetCount >>> 0);
  return new Uint8Array(view.buffer);
}

export function parseSenderReport(packet: Uint8Array): SenderReport {
  const { view, reports } = readReportPacket(
    packet,
    RtcpPacketType.senderReport,
    fixedSize,
    "sender report",
  );
  return {
    ssrc: view.getUint32(4),
    ntpSeconds: view.getUint32(8),
    ntpFraction: view.getUint32(12),
    rtpTimestamp: view.getUint32(16),
    packetCount: view.getUint32(20),
    octetCount: view.getUint32(24),
    reports,
  };
}
