/**
 * The HEVCDecoderConfigurationRecord ("hvcC", ISO/IEC 14496-15 8.3.3.1) that MP4 and Matroska
 * (CodecPrivate of V_MPEGH/ISO/HEVC) keep for an H.265 track: the SPS's profile, tier and level
 * fields, and the VPS, SPS and PPS in arrays by NAL unit type. Samples are then NAL units with a
 * `lengthSize`-byte length before each.
 */
import { H265NalType, h265NalType } from "./nal-unit.ts";
import { type H265Sps, parseH265Sps } from "./sps.ts";

export interface HevcDecoderConfig {
  /** Bytes in each NAL unit's length prefix: 1, 2 or 4. */
  lengthSize: number;
  /** The record's NAL units (VPS, SPS, PPS, maybe SEI), in its order. */
  parameterSets: Uint8Array[];
}

/** The fixed fields before the arrays. */
const headerSize = 23;

/**
 * An hvcC record for one VPS, SPS and PPS with 4-byte lengths. Fields that need the VUI or
 * the whole stream (min_spatial_segmentation_idc, parallelismType, frame rates) say "unknown"
 * (0), which the format allows and decoders ignore.
 */
export function hevcDecoderConfigurationRecord(
  vps: Uint8Array,
  sps: Uint8Array,
  pps: Uint8Array,
): Uint8Array {
  for (
    const [unit, type, name] of [[vps, H265NalType.vps, "VPS"], [
      pps,
      H265NalType.pps,
      "PPS",
    ]] as const
  ) {
    if (unit.length < 3 || h265NalType(unit[0]) !== type) {
      throw new Error(`an hvcC record needs a ${name} NAL unit`);
    }
  }
  const s = parseH265Sps(sps);
  const units = [vps, sps, pps];
  const out = new Uint8Array(headerSize + units.reduce((n, u) => n + 5 + u.length, 0));
  const view = new DataView(out.buffer);
  out[0] = 1; // configurationVersion
  out[1] = (s.profileSpace << 6) | (s.tierFlag << 5) | s.profileIdc;
  view.setUint32(2, s.profileCompatibilityFlags);
  out.set(s.constraintIndicatorFlags, 6);
  out[12] = s.levelIdc;
  view.setUint16(13, 0xf000); // reserved, min_spatial_segmentation_idc 0
  out[15] = 0xfc; // reserved, parallelismType 0
  out[16] = 0xfc | s.chromaFormatIdc;
  out[17] = 0xf8 | (s.bitDepthLuma - 8);
  out[18] = 0xf8 | (s.bitDepthChroma - 8);
  view.setUint16(19, 0); // avgFrameRate
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3.
  out[21] = ((s.maxSubLayers & 7) << 3) | (s.temporalIdNesting ? 4 : 0) | 3;
  out[22] = units.length; // numOfArrays: one a parameter set
  let at = headerSize;
  for (const unit of units) {
    // array_completeness 0: kvsrtc's keyframes carry their parameter sets in the stream too.
    out[at] = h265NalType(unit[0]);
    view.setUint16(at + 1, 1);
    view.setUint16(at + 3, unit.length);
    out.set(unit, at + 5);
    at += 5 + unit.length;
  }
  return out;
}

/** Parses an hvcC record; throws a one-line error on a malformed one. */
export function parseHevcDecoderConfig(record: Uint8Array): HevcDecoderConfig {
  const fail = (what: string): never => {
    throw new Error(`malformed H.265 decoder configuration (hvcC): ${what}`);
  };
  if (record.length < headerSize) fail(`${record.length} bytes`);
  if (record[0] !== 1) fail(`version ${record[0]}`);
  const lengthSize = (record[21] & 0x03) + 1;
  if (lengthSize === 3) fail("3-byte NAL unit lengths");
  const parameterSets: Uint8Array[] = [];
  let at = headerSize;
  for (let array = 0, arrays = record[22]; array < arrays; array++) {
    if (at + 3 > record.length) fail("it ends inside an array header");
    const count = (record[at + 1] << 8) | record[at + 2];
    at += 3;
    for (let i = 0; i < count; i++) {
      if (at + 2 > record.length) fail("it ends inside a NAL unit length");
      const length = (record[at] << 8) | record[at + 1];
      at += 2;
      if (length < 2 || at + length > record.length) fail("a NAL unit overruns it");
      parameterSets.push(record.subarray(at, at + length));
      at += length;
    }
  }
  for (
    const [type, name] of [[H265NalType.vps, "VPS"], [H265NalType.sps, "SPS"], [
      H265NalType.pps,
      "PPS",
    ]] as const
  ) {
    if (!parameterSets.some((p) => h265NalType(p[0]) === type)) fail(`it has no ${name}`);
  }
  return { lengthSize, parameterSets };
}

/** The parsed SPS of an hvcC record; throws a one-line error on a malformed record or SPS. */
export function hevcConfigSps(record: Uint8Array): H265Sps {
  const { parameterSets } = parseHevcDecoderConfig(record);
  return parseH265Sps(parameterSets.find((p) => h265NalType(p[0]) === H265NalType.sps)!);
}
