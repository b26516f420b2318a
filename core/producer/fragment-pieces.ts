/**
 * The MKV of an upload, as pieces for a PutMedia body: the header (Tracks from the stream's
 * own SPS and PPS) once per connection, then per fragment a Cluster of SimpleBlocks and the
 * Tags that end it. A video block's data are 4-byte AVCC lengths beside views of the ring's
 * NAL units: the access unit is never copied.
 *
 * Every NAL unit of the access unit goes into its block, SPS, PPS, SEI and access unit
 * delimiters included: PIC's Annex-B adaptation turns each start code into a length and keeps
 * every unit, so a reader of any fragment finds the parameter sets in band, as the source had them.
 */
import { avcDecoderConfigurationRecord } from "../h264/avcc.ts";
import { parseSps } from "../h264/sps.ts";
import { parameterSets } from "../media/media-frame.ts";
import type { RingFrame } from "../media/frame-ring.ts";
import type { MkvTrack } from "../fragments/fragment.ts";
import {
  clusterStart,
  endOfFragmentTag,
  mkvHeader,
  simpleBlock,
  tagsElement,
} from "../mkv/mkv-writer.ts";
import { opusHead } from "../opus/opus-head.ts";
import { silentOpusPacket } from "../opus/opus-silence.ts";
import type { OutgoingFragment } from "./fragmenter.ts";

/** Track numbers as the producer SDKs give them. */
export const videoTrackNumber = 1;
export const audioTrackNumber = 2;

/**
 * The tracks of an upload: H.264 from a keyframe's own SPS and PPS (avcC, width, height), and
 * Opus (48 kHz) when `audioChannels` is given.
 */
export function uploadTracks(keyframe: RingFrame, audioChannels?: 1 | 2): MkvTrack[] {
  const { sps, pps } = parameterSets(keyframe.bytes, keyframe.nalUnits);
  if (!sps || !pps) throw new Error("the first keyframe carries no SPS and PPS");
  const { width, height } = parseSps(sps);
  const tracks: MkvTrack[] = [{
    number: videoTrackNumber,
    uid: BigInt(videoTrackNumber),
    kind: "video",
    codecId: "V_MPEG4/ISO/AVC",
    name: "kvsrtc video",
    codecPrivate: avcDecoderConfigurationRecord(sps, pps),
    video: { width, height },
  }];
  if (audioChannels) {
    tracks.push({
      number: audioTrackNumber,
      uid: BigInt(audioTrackNumber),
      kind: "audio",
      codecId: "A_OPUS",
      name: "kvsrtc audio",
      codecPrivate: opusHead(audioChannels),
      audio: { samplingFrequency: 48_000, channels: audioChannels },
    });
  }
  return tracks;
}

/** The header a PutMedia body starts with, on every connection. */
export function uploadHeader(tracks: readonly MkvTrack[]): Uint8Array[] {
  return mkvHeader({ tracks });
}

/**
 * A video frame's data as AVCC: per NAL unit a 4-byte big-endian length (all four in one small
 * buffer) and a view of the unit in the frame's own bytes.
 */
export function avccPieces(frame: RingFrame): Uint8Array[] {
  const lengths = new Uint8Array(4 * frame.nalUnits.length);
  const view = new DataView(lengths.buffer);
  const pieces: Uint8Array[] = [];
  frame.nalUnits.forEach((unit, i) => {
    view.setUint32(4 * i, unit.length);
    pieces.push(
      lengths.subarray(4 * i, 4 * i + 4),
      frame.bytes.subarray(unit.offset, unit.offset + unit.length),
    );
  });
  return pieces;
}

/** One frame of a fragment as a SimpleBlock (its time relative to the Cluster's). */
export function blockPieces(
  fragment: OutgoingFragment,
  frame: RingFrame,
  timecodeMs: number,
): Uint8Array[] {
  const offsetMs = timecodeMs - fragment.timecodeMs;
  return frame.kind === "video"
    ? simpleBlock(videoTrackNumber, offsetMs, frame.keyframe, avccPieces(frame))
    : simpleBlock(audioTrackNumber, offsetMs, true, [frame.bytes]);
}

/** A silent Opus packet as an audio SimpleBlock (`offsetMs` into its Cluster). */
export function silenceBlockPieces(offsetMs: number): Uint8Array[] {
  return simpleBlock(audioTrackNumber, offsetMs, true, [silentOpusPacket]);
}

/** The start of a fragment's Cluster (unknown size: the Tags after it end it). */
export function fragmentStart(fragment: OutgoingFragment): Uint8Array[] {
  return clusterStart(fragment.timecodeMs);
}

/** The Tags that end a fragment: the service acknowledges it when it reads them (spec §6.5). */
export function fragmentEnd(): Uint8Array[] {
  return tagsElement([{ name: endOfFragmentTag, value: "" }]);
}
