/**
 * Which container a file or stream's first bytes say it is, so a source is read by what it
 * holds, not by its name: an .h264 that is really an MP4 is demuxed, an .mp4 that is raw H.264
 * is not.
 */

export type ContainerFormat = "MP4" | "Matroska" | "MPEG-TS" | "Ogg" | "IVF";

/** Bytes of a head that `containerFormatOf` looks at: two MPEG-TS packets' sync bytes. */
export const containerSniffBytes = 189;

// ISO BMFF (MP4, MOV, 3GP) starts with a box: a 32-bit size, then its type. Files start with
// ftyp; QuickTime files may start with one of the others.
const isoBoxTypes = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"]);

/** MPEG-TS is 188-byte packets, each starting with this sync byte. */
const tsSyncByte = 0x47;

/** The container of a head, or undefined (Annex-B H.264 or H.265, or unknown). */
export function containerFormatOf(head: Uint8Array): ContainerFormat | undefined {
  // Matroska and WebM start with an EBML header element, ID 1A 45 DF A3.
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return "Matroska";
  }
  const signature = String.fromCharCode(...head.subarray(0, 4));
  if (signature === "OggS") return "Ogg";
  // IVF (VP8 frames, as libvpx and ffmpeg write them) starts with DKIF.
  if (signature === "DKIF") return "IVF";
  if (head.length >= 8 && isoBoxTypes.has(String.fromCharCode(...head.subarray(4, 8)))) {
    return "MP4";
  }
  // Annex-B starts with a zero byte (a start code), so a head this short is not mistaken.
  if (head[0] === tsSyncByte && (head.length <= 188 || head[188] === tsSyncByte)) {
    return "MPEG-TS";
  }
  return undefined;
}
