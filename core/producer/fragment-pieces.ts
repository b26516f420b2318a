/**
 * The MKV of an upload, as pieces for a PutMedia body: the header (Tracks from the stream's
 * own parameter sets: H.264's avcC, H.265's hvcC; VP8 needs none) once per connection, then per
 * fragment a Cluster of SimpleBlocks and the Tags that end it. An H.264 or H.265 block's data
 * are 4-byte lengths beside views of the ring's NAL units, a VP8 block's the frame itself: the
 * picture is never copied.
 *
 * Every NAL unit of the access unit goes into its block, SPS, PPS, SEI and access unit
 * delimiters included: PIC's Annex-B adaptation turns each start code into a length and keeps
 * every unit, so a reader of any fragment finds the parameter sets in band, as the source had them.
 */
import { avcDecoderConfigurationRecord } from "../h264/avcc.ts";
import { parseSps } from "../h264/sps.ts";
import { hevcDecoderConfigurationRecord } from "../h265/hvcc.ts";
import { H265NalType, h265NalType } from "../h265/nal-unit.ts";
import { parseH265Sps } from "../h265/sps.ts";
import { parseVp8FrameHeader } from "../vp8/frame-header.ts";
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
 * The tracks of an upload: the video from its first keyframe (H.264: avcC from its SPS and PPS;
 * H.265: hvcC from its VPS, SPS and PPS; VP8: its size from the key frame header), and Opus
 * (48 kHz) when `audioChannels` is given.
 */
export function uploadTracks(keyframe: RingFrame, audioChannels?: 1 | 2): MkvTrack[] {
  const tracks: MkvTrack[] = [{
    number: videoTrackNumber,
    uid: BigInt(videoTrackNumber),
    kind: "video",
    name: "kvsrtc video",
    ...videoCodecTrack(keyframe),
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

/** A video track's codec ID, codec private data and picture size, from its first keyframe. */
function videoCodecTrack(
  keyframe: RingFrame,
): Pick<MkvTrack, "codecId" | "codecPrivate" | "video"> {
  if (keyframe.codec === "vp8") {
    const { width, height } = parseVp8FrameHeader(keyframe.bytes);
    return { codecId: "V_VP8", video: { width: width!, height: height! } };
  }
  if (keyframe.codec === "h265") {
    const units = keyframe.nalUnits.map((n) =>
      keyframe.bytes.subarray(n.offset, n.offset + n.length)
    );
    const [vps, sps, pps] = [H265NalType.vps, H265NalType.sps, H265NalType.pps]
      .map((type) => units.find((u) => h265NalType(u[0]) === type));
    if (!vps || !sps || !pps) throw new Error("the first keyframe carries no VPS, SPS and PPS");
    const { width, height } = parseH265Sps(sps);
    return {
      codecId: "V_MPEGH/ISO/HEVC",
      codecPrivate: hevcDecoderConfigurationRecord(vps, sps, pps),
      video: { width, height },
    };
  }
  const { sps, pps } = parameterSets(keyframe.bytes, keyframe.nalUnits);
  if (!sps || !pps) throw new Error("the first keyframe carries no SPS and PPS");
  const { width, height } = parseSps(sps);
  return {
    codecId: "V_MPEG4/ISO/AVC",
    codecPrivate: avcDecoderConfigurationRecord(sps, pps),
    video: { width, height },
  };
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
  if (frame.kind === "audio") return simpleBlock(audioTrackNumber, offsetMs, true, [frame.bytes]);
  const data = frame.codec === "vp8" ? [frame.bytes] : avccPieces(frame);
  return simpleBlock(videoTrackNumber, offsetMs, frame.keyframe, data);
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
