/**
 * Sequence parameter set (H.264 7.3.2.1.1): the fields kvsrtc needs: profile, constraint flags
 * and level (for the SDP profile-level-id) and the picture size after cropping.
 */
import { NalType, nalType } from "./nal-unit.ts";
import { RbspReader } from "./rbsp-reader.ts";

export interface Sps {
  profileIdc: number;
  /** The byte after profile_idc: constraint_set0..5 flags and two reserved bits. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  width: number;
  height: number;
}

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices. */
const highProfiles = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Parses an SPS NAL unit (header byte included, no start code). */
export function parseSps(nal: Uint8Array): Sps {
  if (nal.length < 4 || nalType(nal[0]) !== NalType.sps) {
    throw new Error(`not an H.264 SPS NAL unit (type ${nal.length ? nalType(nal[0]) : "none"})`);
  }
  try {
    return readSps(new RbspReader(nal, 1));
  } catch (error) {
    throw new Error(`malformed H.264 SPS: ${(error as Error).message}`);
  }
}

function readSps(r: RbspReader): Sps {
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  const spsId = r.readUe();
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  if (highProfiles.has(profileIdc)) {
    chromaFormatIdc = r.readUe();
    if (chromaFormatIdc === 3) separateColourPlane = r.readFlag();
    r.readUe(); // bit_depth_luma_minus8
    r.readUe(); // bit_depth_chroma_minus8
    r.readBit(); // qpprime_y_zero_transform_bypass_flag
    if (r.readFlag()) { // seq_scaling_matrix_present_flag
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.readFlag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.readUe(); // log2_max_frame_num_minus4
  const picOrderCntType = r.readUe();
  if (picOrderCntType === 0) {
    r.readUe(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    r.readBit(); // delta_pic_order_always_zero_flag
    r.readSe(); // offset_for_non_ref_pic
    r.readSe(); // offset_for_top_to_bottom_field
    const cycle = r.readUe();
    for (let i = 0; i < cycle; i++) r.readSe();
  }
  r.readUe(); // max_num_ref_frames
  r.readBit(); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.readUe() + 1;
  const heightInMapUnits = r.readUe() + 1;
  const frameMbsOnly = r.readFlag();
  if (!frameMbsOnly) r.readBit(); // mb_adaptive_frame_field_flag
  r.readBit(); // direct_8x8_inference_flag
  let cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
  if (r.readFlag()) {
    cropLeft = r.readUe();
    cropRight = r.readUe();
    cropTop = r.readUe();
    cropBottom = r.readUe();
  }
  // Crop units (7.4.2.1.1): chroma sample units unless there is no chroma array.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = widthInMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16 -
    cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new Error(`cropping leaves ${width}x${height}`);
  return { profileIdc, constraintFlags, levelIdc, spsId, chromaFormatIdc, width, height };
}

function skipScalingList(r: RbspReader, size: number) {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && next !== 0; j++) {
    next = (last + r.readSe() + 256) % 256;
    if (next !== 0) last = next;
  }
}

/** The SDP profile-level-id (RFC 6184 8.1): profile_idc, constraint byte, level_idc in hex. */
export function profileLevelId(sps: Sps): string {
  return [sps.profileIdc, sps.constraintFlags, sps.levelIdc]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}
