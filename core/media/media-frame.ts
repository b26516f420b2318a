/**
 * A media frame: one H.264 access unit or one Opus packet, read once into its own buffer, with
 * the media facts every consumer needs found once beside it: media time, keyframe flag and NAL
 * unit ranges. Nothing in it belongs to one transport: an RTP sender plans its payloads from
 * these facts (core/media/send/payload-plans.ts), a PutMedia producer would cut fragments.
 */
import { isKeyframe } from "../h264/access-unit.ts";
import { type ByteRange, findNalUnits, NalType, nalType } from "../h264/nal-unit.ts";

export type TrackKind = "video" | "audio";

export interface MediaFrame {
  kind: TrackKind;
  /** Annex-B access unit (video) or one Opus packet (audio). */
  bytes: Uint8Array;
  /** Media time in microseconds from the start of the source; never decreases. */
  timeUs: number;
  /** An IDR access unit (always false for audio). */
  keyframe: boolean;
  /** The NAL units in `bytes`, without start codes; empty for audio. */
  nalUnits: readonly ByteRange[];
}

const noNalUnits: readonly ByteRange[] = Object.freeze([]);

export function videoFrame(
  bytes: Uint8Array,
  timeUs: number,
  nalUnits: readonly ByteRange[] = findNalUnits(bytes),
): MediaFrame {
  return { kind: "video", bytes, timeUs, keyframe: isKeyframe(bytes, nalUnits), nalUnits };
}

export function audioFrame(packet: Uint8Array, timeUs: number): MediaFrame {
  return { kind: "audio", bytes: packet, timeUs, keyframe: false, nalUnits: noNalUnits };
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
