/** The reception report block of sender and receiver reports (RFC 3550 6.4.1), 24 bytes. */
import { expectRtcp, newRtcpPacket } from "./header.ts";

export interface ReportBlock {
  ssrc: number;
  /** Fraction of packets lost since the last report, in 1/256 units (0..255). */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit: duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSequence: number;
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received (0 if none). */
  lastSenderReport: number;
  /** Delay since that SR, in 1/65536 seconds. */
  delaySinceLastSenderReport: number;
}

export const reportBlockSize = 24;

export function readReportBlock(view: DataView, at: number): ReportBlock {
  const lost = view.getUint32(at + 4);
  const cumulative = lost & 0xffffff;
  return {
    ssrc: view.getUint32(at),
    fractionLost: lost >>> 24,
    cumulativeLost: cumulative & 0x800000 ? cumulative - 0x1000000 : cumulative,
    highestSequence: view.getUint32(at + 8),
    jitter: view.getUint32(at + 12),
    lastSenderReport: view.getUint32(at + 16),
    delaySinceLastSenderReport: view.getUint32(at + 20),
  };
}

export function writeReportBlock(view: DataView, at: number, block: ReportBlock) {
  // Clamp the cumulative count to what 24 signed bits hold, as RFC 3550 A.3 asks.
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
  view.setUint32(at, block.ssrc);
  view.setUint32(at + 4, ((block.fractionLost & 0xff) << 24 | (lost & 0xffffff)) >>> 0);
  view.setUint32(at + 8, block.highestSequence >>> 0);
  view.setUint32(at + 12, block.jitter >>> 0);
  view.setUint32(at + 16, block.lastSenderReport >>> 0);
  view.setUint32(at + 20, block.delaySinceLastSenderReport >>> 0);
}

/** A new SR or RR: common header, `fixedSize` bytes before the blocks, then the blocks. */
export function newReportPacket(
  packetType: number,
  fixedSize: number,
  reports: readonly ReportBlock[],
): DataView {
  const out = newRtcpPacket(
    reports.length,
    packetType,
    fixedSize + reportBlockSize * reports.length,
  );
  const view = new DataView(out.buffer);
  reports.forEach((block, i) => writeReportBlock(view, fixedSize + reportBlockSize * i, block));
  return view;
}

/** Checks an SR or RR and reads its report blocks. */
export function readReportPacket(
  packet: Uint8Array,
  packetType: number,
  fixedSize: number,
  what: string,
): { view: DataView; reports: ReportBlock[] } {
  const { count } = expectRtcp(packet, packetType, fixedSize, what);
  if (packet.length < fixedSize + reportBlockSize * count) {
    throw new Error(`RTCP ${what} too short for ${count} report blocks`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const reports = Array.from(
    { length: count },
    (_, i) => readReportBlock(view, fixedSize + reportBlockSize * i),
  );
  return { view, reports };
}
