/**
 * H.265 sequence parameter set (H.265 7.3.2.2.1), as far as kvsrtc needs it: the general
 * profile_tier_level (for the SDP's profile-id, tier-flag and level-id and for the hvcC
 * record), the chroma format and bit depths (hvcC), and the picture size after the
 * conformance window.
 */
import { RbspReader } from "../h264/rbsp-reader.ts";
import { H265NalType, h265NalType } from "./nal-unit.ts";

export interface H265Sps {
  /** general_profile_space: 0 in every stream of today's profiles. */
  profileSpace: number;
  /** general_tier_flag: 0 Main tier, 1 High tier. */
  tierFlag: number;
  /** general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions. */
  profileIdc: number;
  /** general_profile_compatibility_flag[0..31], as the 32-bit number they make. */
  profileCompatibilityFlags: number;
  /** The 48 bits from general_progressive_source_flag on, as 6 bytes. */
  constraintIndicatorFlags: Uint8Array;
  /** general_level_idc: 30 times the level (93 is level 3.1). */
  levelIdc: number;
  /** sps_max_sub_layers_minus1 + 1. */
  maxSubLayers: number;
  temporalIdNesting: boolean;
  spsId: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  width: number;
  height: number;
}

/** Parses an SPS NAL unit (two header bytes included, no start code). */
export function parseH265Sps(nal: Uint8Array): H265Sps {
  if (nal.length < 3 || h265NalType(nal[0]) !== H265NalType.sps) {
    const type = nal.length ? h265NalType(nal[0]) : "none";
    throw new Error(`not an H.265 SPS NAL unit (type ${type})`);
  }
  try {
    return readSps(new RbspReader(nal, 2));
  } catch (error) {
    throw new Error(`malformed H.265 SPS: ${(error as Error).message}`);
  }
}

function readSps(r: RbspReader): H265Sps {
  r.readBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  const temporalIdNesting = r.readFlag();
  const ptl = readProfileTierLevel(r, maxSubLayersMinus1);
  const spsId = r.readUe();
  const chromaFormatIdc = r.readUe();
  if (chromaFormatIdc > 3) throw new Error(`chroma_format_idc ${chromaFormatIdc}`);
  if (chromaFormatIdc === 3) r.readBit(); // separate_colour_plane_flag
  const codedWidth = r.readUe();
  const codedHeight = r.readUe();
  let left = 0, right = 0, top = 0, bottom = 0;
  if (r.readFlag()) { // conformance_window_flag
    left = r.readUe();
    right = r.readUe();
    top = r.readUe();
    bottom = r.readUe();
  }
  const bitDepthLuma = r.readUe() + 8;
  const bitDepthChroma = r.readUe() + 8;
  // Conformance window offsets count chroma samples (table 6-1: SubWidthC, SubHeightC).
  const subWidthC = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
  const width = codedWidth - subWidthC * (left + right);
  const height = codedHeight - subHeightC * (top + bottom);
  if (width <= 0 || height <= 0) {
    throw new Error(`the conformance window leaves ${width}x${height}`);
  }
  return {
    ...ptl,
    maxSubLayers: maxSubLayersMinus1 + 1,
    temporalIdNesting,
    spsId,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    width,
    height,
  };
}

type GeneralProfileTierLevel = Pick<
  H265Sps,
  | "profileSpace"
  | "tierFlag"
  | "profileIdc"
  | "profileCompatibilityFlags"
  | "constraintIndicatorFlags"
  | "levelIdc"
>;

/** profile_tier_level(1, maxSubLayersMinus1) (7.3.3): the general part, sub-layers skipped. */
function readProfileTierLevel(r: RbspReader, maxSubLayersMinus1: number): GeneralProfileTierLevel {
  const profileSpace = r.readBits(2);
  const tierFlag = r.readBit();
  const profileIdc = r.readBits(5);
  const profileCompatibilityFlags = r.readBits(32);
  const constraintIndicatorFlags = Uint8Array.from({ length: 6 }, () => r.readBits(8));
  const levelIdc = r.readBits(8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.readFlag());
    levelPresent.push(r.readFlag());
  }
  if (maxSubLayersMinus1 > 0) r.readBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.readBits(88); // the sub-layer's profile, as the general one
    if (levelPresent[i]) r.readBits(8); // sub_layer_level_idc
  }
  return {
    profileSpace,
    tierFlag,
    profileIdc,
    profileCompatibilityFlags,
    constraintIndicatorFlags,
    levelIdc,
  };
}
