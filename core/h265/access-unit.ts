/**
 * H.265 access units (H.265 7.4.2.4.4): which NAL unit starts a new one, and whether one is a
 * keyframe (holds an IRAP picture).
 */
import type { ByteRange } from "../h264/nal-unit.ts";
import { H265NalType, h265NalType, isH265VclType, isIrapType } from "./nal-unit.ts";

/** True when the access unit holds an IRAP picture (BLA, IDR or CRA), so a decoder can start. */
export function isH265Keyframe(au: Uint8Array, nalUnits: readonly ByteRange[]): boolean {
  return nalUnits.some((nal) => isIrapType(h265NalType(au[nal.offset])));
}

/**
 * Whether the NAL unit starting at `bytes[at]` begins a new access unit, given that the current
 * one already has a VCL NAL unit: an AUD, a parameter set, a prefix SEI, types 41-44 and 48-55
 * can only come before a picture's first slice segment, and a slice segment with
 * first_slice_segment_in_pic_flag set (the first bit after the header) starts a picture.
 * Needs the two header bytes and the one after.
 */
export function startsNewH265AccessUnit(bytes: Uint8Array, at: number): boolean {
  const type = h265NalType(bytes[at]);
  if (
    (type >= H265NalType.vps && type <= H265NalType.accessUnitDelimiter) ||
    type === H265NalType.prefixSei || (type >= 41 && type <= 44) || (type >= 48 && type <= 55)
  ) {
    return true;
  }
  return isH265VclType(type) && (bytes[at + 2] & 0x80) !== 0;
}
