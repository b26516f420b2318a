/**
 * Generic NACK (RFC 4585 6.2.1): lost RTP sequence numbers, each FCI entry one packet ID (PID)
 * plus a bitmask (BLP) of the 16 that follow it.
 */
import { seqDiff } from "../rtp/sequence-number.ts";
import { newFeedbackPacket, readFeedbackPacket } from "./feedback.ts";
import { RtcpPacketType } from "./header.ts";

export interface GenericNack {
  senderSsrc: number;
  mediaSsrc: number;
  /** Lost sequence numbers, oldest first. */
  sequenceNumbers: number[];
}

const nackFmt = 1;

export function buildNack(nack: GenericNack): Uint8Array {
  const seqs = [...new Set(nack.sequenceNumbers)];
  if (seqs.length === 0) throw new RangeError("a NACK needs at least one sequence number");
  const base = seqs[0];
  seqs.sort((a, b) => seqDiff(a, base) - seqDiff(b, base)); // oldest first, across a wrap
  const entries: [number, number][] = [];
  for (const seq of seqs) {
    const last = entries[entries.length - 1];
    const distance = last ? seqDiff(seq, last[0]) : 0;
    if (last && distance >= 1 && distance <= 16) last[1] |= 1 << (distance - 1);
    else entries.push([seq, 0]);
  }
  const { packet, view } = newFeedbackPacket(
    RtcpPacketType.transportFeedback,
    nackFmt,
    nack.senderSsrc,
    nack.mediaSsrc,
    4 * entries.length,
  );
  entries.forEach(([pid, blp], i) => {
    view.setUint16(12 + 4 * i, pid);
    view.setUint16(14 + 4 * i, blp);
  });
  return packet;
}

export function parseNack(packet: Uint8Array): GenericNack {
  const { senderSsrc, mediaSsrc, view, end } = readFeedbackPacket(
    packet,
    RtcpPacketType.transportFeedback,
    nackFmt,
    "a generic NACK",
  );
  const sequenceNumbers: number[] = [];
  for (let at = 12; at + 4 <= end; at += 4) {
    const pid = view.getUint16(at);
    const blp = view.getUint16(at + 2);
    sequenceNumbers.push(pid);
    for (let bit = 0; bit < 16; bit++) {
      if (blp & (1 << bit)) sequenceNumbers.push((pid + bit + 1) & 0xffff);
    }
  }
  return { senderSsrc, mediaSsrc, sequenceNumbers };
}
