/**
 * Which of a fragment's tracks a player gets, checked as AWS checks them for HLS, DASH and
 * GetClip: H.264 or H.265 video (with its avcC or hvcC) and, optionally, audio; any other
 * video (VP8 among them) is UnsupportedStreamMediaTypeException, as AWS answers it. AWS takes only AAC audio (and
 * G.711 for clips) and refuses Opus everywhere; this endpoint also packages Opus into MP4
 * (Chromium's MSE and ffmpeg play it), but not into MPEG-TS, which has no Opus mapping here.
 */
import type { MkvTrack } from "../fragments/fragment.ts";
import { parseAvcDecoderConfig } from "../h264/avcc.ts";
import { hevcConfigSps } from "../h265/hvcc.ts";
import {
  invalidCodecPrivateData,
  missingCodecPrivateData,
  unsupportedStreamMediaType,
} from "./playback-errors.ts";

export type PlaybackContainer = "FRAGMENTED_MP4" | "MPEG_TS" | "MP4";

export interface PlaybackTrack {
  track: MkvTrack;
  /** The RFC 6381 codec string for a playlist's CODECS, and what mediabunny is told. */
  codecString: string;
  codec: "avc" | "hevc" | "aac" | "opus";
}

const avcCodecId = "V_MPEG4/ISO/AVC";
const hevcCodecId = "V_MPEGH/ISO/HEVC";

function videoTrack(track: MkvTrack): PlaybackTrack {
  const record = track.codecPrivate;
  if (!record?.length) {
    throw missingCodecPrivateData(`No codec private data was found in track ${track.number}.`);
  }
  try {
    if (track.codecId === hevcCodecId) {
      return { track, codec: "hevc", codecString: hevcCodecString(record) };
    }
    parseAvcDecoderConfig(record);
  } catch (error) {
    throw invalidCodecPrivateData(
      `The codec private data of track ${track.number} is not valid: ${(error as Error).message}.`,
    );
  }
  const profile = [...record.subarray(1, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { track, codec: "avc", codecString: `avc1.${profile}` };
}

/**
 * The codec string of an H.265 track (ISO/IEC 14496-15 E.3, as players take it): hvc1, the
 * profile space and profile, the compatibility flags bit-reversed in hex, the tier and level,
 * and the constraint bytes up to the last non-zero one ("hvc1.1.6.L93.B0").
 */
function hevcCodecString(hvcC: Uint8Array): string {
  const s = hevcConfigSps(hvcC);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) {
    reversed |= ((s.profileCompatibilityFlags >>> bit) & 1) << (31 - bit);
  }
  const constraints = [...s.constraintIndicatorFlags];
  while (constraints.length > 0 && constraints.at(-1) === 0) constraints.pop();
  return [
    "hvc1",
    `${["", "A", "B", "C"][s.profileSpace]}${s.profileIdc}`,
    (reversed >>> 0).toString(16),
    `${s.tierFlag ? "H" : "L"}${s.levelIdc}`,
    ...constraints.map((b) => b.toString(16).toUpperCase()),
  ].join(".");
}

function audioTrack(track: MkvTrack, container: PlaybackContainer): PlaybackTrack {
  if (!track.codecPrivate?.length) {
    throw missingCodecPrivateData(`No codec private data was found in track ${track.number}.`);
  }
  if (track.codecId === "A_AAC") {
    // The audio object type is the AudioSpecificConfig's first five bits.
    return { track, codec: "aac", codecString: `mp4a.40.${track.codecPrivate[0] >> 3}` };
  }
  if (track.codecId === "A_OPUS" && container !== "MPEG_TS") {
    return { track, codec: "opus", codecString: "opus" };
  }
  throw unsupportedStreamMediaType(
    `The codec ID ${track.codecId} of track ${track.number} is not supported ` +
      `for ${container}: audio must be A_AAC (AWS refuses Opus for every container).`,
  );
}

/**
 * The tracks played from fragments sent under `tracks`: track 1 H.264 or H.265 (or AAC alone), track 2
 * audio. Tracks after the second are not played (AWS documents only two).
 */
export function playbackTracks(
  tracks: readonly MkvTrack[],
  container: PlaybackContainer,
): PlaybackTrack[] {
  const [first, second] = tracks;
  if (first?.codecId === avcCodecId || first?.codecId === hevcCodecId) {
    return second ? [videoTrack(first), audioTrack(second, container)] : [videoTrack(first)];
  }
  if (first?.codecId === "A_AAC" && !second) return [audioTrack(first, container)];
  throw unsupportedStreamMediaType(
    `The codec ID ${first?.codecId ?? "(none)"} of track 1 is not supported: it must be ` +
      `${avcCodecId} or ${hevcCodecId}, or A_AAC for audio only.`,
  );
}
