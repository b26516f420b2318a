/**
 * Whether an Annex-B stream is H.264 or H.265, told by its first NAL unit, which in a stream a
 * decoder can start (a camera's, an encoder's) is an access unit delimiter, a parameter set or
 * SEI: H.265 heads those with two bytes whose type (bits 1-6) is 32-35 or 39 and whose second
 * byte is 01 (layer 0, temporal id 0). Read as H.264, such a first byte (40, 42, 44, 46, 4e)
 * is NAL type 0, 2, 4, 6 or 14 with nal_ref_idc 2, none of which opens an H.264 stream (its
 * SEI, type 6, has nal_ref_idc 0). A stream that starts with a slice cannot be told: undefined.
 */
import { nextStartCode } from "../h264/nal-unit.ts";
import { H265NalType, h265NalType } from "../h265/nal-unit.ts";

const h265Openers = new Set<number>([
  H265NalType.vps,
  H265NalType.sps,
  H265NalType.pps,
  H265NalType.accessUnitDelimiter,
  H265NalType.prefixSei,
]);
/** H.264 types a stream opens with: SEI, SPS, PPS, access unit delimiter. */
const h264Openers = new Set([6, 7, 8, 9]);

/** "h264", "h265", or undefined when the head has no NAL unit that tells. */
export function annexBCodecOf(head: Uint8Array): "h264" | "h265" | undefined {
  const at = nextStartCode(head, 0);
  if (at === -1 || at + 1 >= head.length) return undefined;
  const [first, second] = [head[at], head[at + 1]];
  if (first & 0x80) return undefined; // the forbidden bit: not a NAL unit header
  if (h265Openers.has(h265NalType(first)) && second === 0x01) return "h265";
  if (h264Openers.has(first & 0x1f)) return "h264";
  return undefined;
}
