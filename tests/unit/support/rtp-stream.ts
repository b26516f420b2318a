/** Sample frames turned into real RTP packets (bytes) with the project's packetizer. */
import { findNalUnits } from "../../../core/h264/nal-unit.ts";
import { planH264AccessUnit } from "../../../core/rtp/h264-packetizer.ts";
import type { DepacketizedFrame, RtpDepacketizer } from "../../../core/rtp/depacketizer.ts";
import { parseRtpPacket } from "../../../core/rtp/header.ts";
import { type PayloadPlan, writeRtpPacket } from "../../../core/rtp/payload-plan.ts";

export interface SentPacket {
  frame: number;
  bytes: Uint8Array;
}

export function packetizeFrames(
  frames: readonly Uint8Array[],
  options: { maxPayload?: number; firstSequenceNumber?: number } = {},
): SentPacket[] {
  const maxPayload = options.maxPayload ?? 1200;
  return packetizeWith(
    frames,
    (au) => planH264AccessUnit(au, findNalUnits(au), maxPayload),
    options,
  );
}

/** Frames as RTP packets (90 kHz at 30 fps, timestamps wrapping) by the given plans. */
export function packetizeWith(
  frames: readonly Uint8Array[],
  plan: (frame: Uint8Array, index: number) => readonly PayloadPlan[],
  options: { firstSequenceNumber?: number } = {},
): SentPacket[] {
  const packets: SentPacket[] = [];
  let seq = options.firstSequenceNumber ?? 1000;
  frames.forEach((au, frame) => {
    const timestamp = (0xfffe0000 + frame * 3000) >>> 0; // 90 kHz at 30 fps, wrapping too
    for (const payload of plan(au, frame)) {
      const bytes = new Uint8Array(12 + payload.size);
      const header = {
        payloadType: 102,
        sequenceNumber: seq,
        timestamp,
        ssrc: 0x1234,
        marker: payload.marker,
      };
      writeRtpPacket(bytes, header, payload, 0);
      packets.push({ frame, bytes });
      seq = (seq + 1) & 0xffff;
    }
  });
  return packets;
}

/** The NAL units of an Annex-B buffer, as separate byte arrays (for comparing frames). */
export function nalUnitBytes(au: Uint8Array): Uint8Array[] {
  return findNalUnits(au).map((n) => au.subarray(n.offset, n.offset + n.length));
}

/** Feeds packets to a depacketizer, 1 ms apart from `now`, and returns what came out. */
export function depacketize(
  depacketizer: RtpDepacketizer,
  packets: readonly SentPacket[],
  now = 0,
): DepacketizedFrame[] {
  const out: DepacketizedFrame[] = [];
  packets.forEach((p, i) => out.push(...depacketizer.push(parseRtpPacket(p.bytes), now + i)));
  return out;
}

/** The items with each pair swapped: every packet arrives out of order. */
export function swapPairs<T>(items: readonly T[]): T[] {
  return items.flatMap((_, i) => i % 2 === 0 ? [items[i + 1], items[i]].filter(Boolean) : []);
}

export const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);
