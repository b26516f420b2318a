/**
 * Which container a file's first bytes say it is, so a file source is read by what it holds,
 * not by its name: an .h264 that is really an MP4 is demuxed, an .mp4 that is raw H.264 is not.
 */

export type ContainerFormat = "MP4" | "Matroska";

/** Bytes of a file's head that `containerFormatOf` looks at. */
export const containerSniffBytes = 12;

// ISO BMFF (MP4, MOV, 3GP) starts with a box: a 32-bit size, then its type. Files start with
// ftyp; QuickTime files may start with one of the others.
const isoBoxTypes = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"]);

/** The container of a file starting with `head`, or undefined (Annex-B H.264, or unknown). */
export function containerFormatOf(head: Uint8Array): ContainerFormat | undefined {
  // Matroska and WebM start with an EBML header element, ID 1A 45 DF A3.
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return "Matroska";
  }
  if (head.length >= 8 && isoBoxTypes.has(String.fromCharCode(...head.subarray(4, 8)))) {
    return "MP4";
  }
  return undefined;
}
