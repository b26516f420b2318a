/**
 * A media frame: one H.264 access unit or one Opus packet, read once into its own buffer, with
 * what every viewer needs computed once beside it: NAL unit ranges, keyframe flag and the RTP
 * payload plans. Viewers and retransmissions all write their packets from these same bytes.
 */
import { isKeyframe } from "../h264/access-unit.ts";
import { type ByteRange, findNalUnits, NalType, nalType } from "../h264/nal-unit.ts";
import { planH264AccessUnit } from "../rtp/h264-packetizer.ts";
import { planOpus } from "../rtp/opus-packetizer.ts";
import type { PayloadPlan } from "../rtp/payload-plan.ts";

export type TrackKind = "video" | "audio";

export interface MediaFrame {
  kind: TrackKind;
  /** Annex-B access unit (video) or one Opus packet (audio). */
  bytes: Uint8Array;
  /** Media time in microseconds from the start of the source; never decreases. */
  timeUs: number;
  /** An IDR access unit (always false for audio). */
  keyframe: boolean;
  plans: readonly PayloadPlan[];
  /** Sum of the plans' payload sizes: RTP bytes per viewer, less headers. */
  payloadBytes: number;
}

/**
 * RTP payload budget: 1200-byte packets (what browsers use) less the 12-byte RTP header, so
 * SRTP, UDP and IPv6 headers stay well inside a 1280-byte path MTU.
 */
export const defaultMaxPayload = 1188;

export function videoFrame(
  bytes: Uint8Array,
  timeUs: number,
  maxPayload = defaultMaxPayload,
  nalUnits: readonly ByteRange[] = findNalUnits(bytes),
): MediaFrame {
  const plans = planH264AccessUnit(bytes, nalUnits, maxPayload);
  return {
    kind: "video",
    bytes,
    timeUs,
    keyframe: isKeyframe(bytes, nalUnits),
    plans,
    payloadBytes: plans.reduce((sum, p) => sum + p.size, 0),
  };
}

export function audioFrame(packet: Uint8Array, timeUs: number): MediaFrame {
  const plan = planOpus(packet);
  return {
    kind: "audio",
    bytes: packet,
    timeUs,
    keyframe: false,
    plans: [plan],
    payloadBytes: plan.size,
  };
}

/** The SPS and PPS NAL units of an access unit, if it carries them. */
export function parameterSets(
  bytes: Uint8Array,
  nalUnits: readonly ByteRange[],
): { sps?: Uint8Array; pps?: Uint8Array } {
  const found: { sps?: Uint8Array; pps?: Uint8Array } = {};
  for (const nal of nalUnits) {
    const type = nalType(bytes[nal.offset]);
    const unit = bytes.subarray(nal.offset, nal.offset + nal.length);
    if (type === NalType.sps) found.sps ??= unit;
    else if (type === NalType.pps) found.pps ??= unit;
  }
  return found;
}
