/**
 * H.264 NAL units in an Annex-B byte stream (ITU-T H.264 Annex B). Start codes are 00 00 01,
 * often with a leading zero byte (00 00 00 01); x264 mixes both. Ranges point into the given
 * bytes, so finding NAL units copies nothing.
 */

/** A slice of some larger buffer, by position. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** nal_unit_type values (H.264 table 7-1) that this project acts on. */
export const NalType = {
  slice: 1,
  sliceDataPartitionA: 2,
  idrSlice: 5,
  sei: 6,
  sps: 7,
  pps: 8,
  accessUnitDelimiter: 9,
  endOfSequence: 10,
  endOfStream: 11,
  filler: 12,
  spsExtension: 13,
  prefix: 14,
  subsetSps: 15,
  sliceExtension: 20,
} as const;

/** The nal_unit_type of a NAL unit, from its first (header) byte. */
export function nalType(headerByte: number): number {
  return headerByte & 0x1f;
}

/** True for the NAL types that carry coded slice data (VCL NAL units). */
export function isVclNalType(type: number): boolean {
  return type >= 1 && type <= 5;
}

/**
 * Index of the first byte after the next start code at or after `from`, or -1. The start code is
 * the three bytes 00 00 01 ending just before the returned index.
 */
export function nextStartCode(bytes: Uint8Array, from: number, end = bytes.length): number {
  // i is where the 01 of a start code would be. A non-zero byte at i rules out a start code
  // ending at i+1 or i+2 too (both need bytes[i] to be zero), so the scan can jump by three.
  for (let i = from + 2; i < end; i++) {
    const b = bytes[i];
    if (b === 0) continue;
    if (b === 1 && bytes[i - 1] === 0 && bytes[i - 2] === 0) return i + 1;
    i += 2;
  }
  return -1;
}

/**
 * The NAL units of an Annex-B buffer, without their start codes and without trailing zero
 * bytes (a NAL unit never ends in 0x00; zeros before a start code are padding or the next
 * start code's leading zero). Bytes before the first start code are ignored.
 */
export function findNalUnits(bytes: Uint8Array): ByteRange[] {
  const units: ByteRange[] = [];
  let start = nextStartCode(bytes, 0);
  while (start !== -1) {
    const next = nextStartCode(bytes, start);
    let end = next === -1 ? bytes.length : next - 3;
    while (end > start && bytes[end - 1] === 0) end--;
    if (end > start) units.push({ offset: start, length: end - start });
    start = next;
  }
  return units;
}
