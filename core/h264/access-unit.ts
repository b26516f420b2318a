/**
 * Access units: the NAL units of one coded picture (H.264 7.4.1.2.3). Which NAL unit starts a
 * new access unit, and whether an access unit is a keyframe (holds an IDR picture).
 */
import { type ByteRange, isVclNalType, NalType, nalType } from "./nal-unit.ts";

/** True when the access unit holds an IDR slice, so a decoder can start there. */
export function isKeyframe(au: Uint8Array, nalUnits: readonly ByteRange[]): boolean {
  return nalUnits.some((nal) => nalType(au[nal.offset]) === NalType.idrSlice);
}

/**
 * Whether the NAL unit starting at `bytes[at]` (its header byte) begins a new access unit,
 * given that the current access unit already has a VCL NAL unit. AUD, SPS, PPS, SEI and types
 * 14-18 may only come before a picture's first slice; a slice with first_mb_in_slice = 0 is the
 * first slice of a new picture (this covers streams without arbitrary slice order, which is a
 * Baseline-only feature no camera encoder emits). Needs the header byte and the next one.
 */
export function startsNewAccessUnit(bytes: Uint8Array, at: number): boolean {
  const type = nalType(bytes[at]);
  if (
    type === NalType.accessUnitDelimiter || type === NalType.sps || type === NalType.pps ||
    type === NalType.sei || (type >= 14 && type <= 18)
  ) {
    return true;
  }
  // first_mb_in_slice is the slice header's first field, ue(v): 0 is the single bit 1.
  return isVclNalType(type) && (bytes[at + 1] & 0x80) !== 0;
}
