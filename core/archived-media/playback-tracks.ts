/**
 * Which of a fragment's tracks a player gets, checked as AWS checks them for HLS, DASH and
 * GetClip: H.264 video (with its avcC) and, optionally, audio. AWS takes only AAC audio (and
 * G.711 for clips) and refuses Opus everywhere; this endpoint also packages Opus into MP4
 * (Chromium's MSE and ffmpeg play it), but not into MPEG-TS, which has no Opus mapping here.
 */
import type { MkvTrack } from "../fragments/fragment.ts";
import { parseAvcDecoderConfig } from "../h264/avcc.ts";
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
  codec: "avc" | "aac" | "opus";
}

const avcCodecId = "V_MPEG4/ISO/AVC";

function videoTrack(track: MkvTrack): PlaybackTrack {
  const avcC = track.codecPrivate;
  if (!avcC?.length) {
    throw missingCodecPrivateData(`No codec private data was found in track ${track.number}.`);
  }
  try {
    parseAvcDecoderConfig(avcC);
  } catch (error) {
    throw invalidCodecPrivateData(
      `The codec private data of track ${track.number} is not valid: ${(error as Error).message}.`,
    );
  }
  const profile = [...avcC.subarray(1, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { track, codec: "avc", codecString: `avc1.${profile}` };
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
 * The tracks played from fragments sent under `tracks`: track 1 H.264 (or AAC alone), track 2
 * audio. Tracks after the second are not played (AWS documents only two).
 */
export function playbackTracks(
  tracks: readonly MkvTrack[],
  container: PlaybackContainer,
): PlaybackTrack[] {
  const [first, second] = tracks;
  if (first?.codecId === avcCodecId) {
    return second ? [videoTrack(first), audioTrack(second, container)] : [videoTrack(first)];
  }
  if (first?.codecId === "A_AAC" && !second) return [audioTrack(first, container)];
  throw unsupportedStreamMediaType(
    `The codec ID ${first?.codecId ?? "(none)"} of track 1 is not supported: it must be ` +
      `${avcCodecId}, or A_AAC for audio only.`,
  );
}
