/**
 * H.265 NAL units (ITU-T H.265 7.3.1.2): the same Annex-B start codes as H.264 (so the scan is
 * H.264's `findNalUnits`), with a two-byte header: forbidden bit, nal_unit_type (6 bits),
 * nuh_layer_id (6 bits), nuh_temporal_id_plus1 (3 bits).
 */

/** nal_unit_type values (H.265 table 7-1) that this project acts on. */
export const H265NalType = {
  /** IRAP pictures are types 16-23: BLA, IDR, CRA and two reserved. */
  firstIrap: 16,
  idrWithRadl: 19,
  idrNoLeading: 20,
  lastIrap: 23,
  /** Types 0-31 carry coded slice segments (VCL NAL units). */
  lastVcl: 31,
  vps: 32,
  sps: 33,
  pps: 34,
  accessUnitDelimiter: 35,
  endOfSequence: 36,
  endOfBitstream: 37,
  filler: 38,
  prefixSei: 39,
  suffixSei: 40,
} as const;

/** The nal_unit_type of a NAL unit, from its first header byte. */
export function h265NalType(headerByte: number): number {
  return (headerByte >> 1) & 0x3f;
}

/** True for the types that carry slice segments (VCL NAL units). */
export function isH265VclType(type: number): boolean {
  return type <= H265NalType.lastVcl;
}

/** True for IRAP pictures (BLA, IDR, CRA): a decoder can start at one. */
export function isIrapType(type: number): boolean {
  return type >= H265NalType.firstIrap && type <= H265NalType.lastIrap;
}

/** True for the video, sequence and picture parameter sets. */
export function isParameterSetType(type: number): boolean {
  return type === H265NalType.vps || type === H265NalType.sps || type === H265NalType.pps;
}
