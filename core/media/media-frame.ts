/**
 * A media frame: one video picture (an H.264 or H.265 access unit, a VP8 frame) or one Opus
 * packet, read once into its own buffer, with the media facts every consumer needs found once
 * beside it: codec, media time, keyframe flag and NAL unit ranges. Nothing in it belongs to one transport: an RTP sender plans its payloads from
 * these facts (core/media/send/payload-plans.ts), a PutMedia producer would cut fragments.
 */
import { isKeyframe } from "../h264/access-unit.ts";
import { type ByteRange, findNalUnits, NalType, nalType } from "../h264/nal-unit.ts";
import type { VideoCodec } from "./video-codec.ts";

export type TrackKind = "video" | "audio";

export interface MediaFrame {
  kind: TrackKind;
  /** What `bytes` are coded in; audio is always Opus. */
  codec: VideoCodec | "opus";
  /** Annex-B access unit (H.264, H.265), a VP8 frame, or one Opus packet (audio). */
  bytes: Uint8Array;
  /** Media time in microseconds from the start of the source; never decreases. */
  timeUs: number;
  /** A picture a decoder can start at: H.264 IDR, H.265 IRAP, VP8 key frame; false for audio. */
  keyframe: boolean;
  /** The NAL units in `bytes`, without start codes; empty for VP8 and audio. */
  nalUnits: readonly ByteRange[];
}

const noNalUnits: readonly ByteRange[] = Object.freeze([]);

/** An H.264 access unit as a frame. */
export function videoFrame(
  bytes: Uint8Array,
  timeUs: number,
  nalUnits: readonly ByteRange[] = findNalUnits(bytes),
): MediaFrame {
  const keyframe = isKeyframe(bytes, nalUnits);
  return { kind: "video", codec: "h264", bytes, timeUs, keyframe, nalUnits };
}

export function audioFrame(packet: Uint8Array, timeUs: number): MediaFrame {
  return {
    kind: "audio",
    codec: "opus",
    bytes: packet,
    timeUs,
    keyframe: false,
    nalUnits: noNalUnits,
  };
}

/** The SPS and PPS NAL units of an access unit, if it carries them. */
export function parameterSets(
  bytes: Uint8Array,
  nalUnits: readonly ByteRange[],
): { sps?: Uint8Array; pps?: Uint8Array } {
  const found: { sps?: Uint8Array; pps?: Uint8Array } = {};
  for (const nal of nalUnits) {
    const type = nalType(bytes[nal.offset]);
    const unit = bytes.subarray(nal.offset, nal.offset + nal.length);
    if (type === NalType.sps) found.sps ??= unit;
    else if (type === NalType.pps) found.pps ??= unit;
  }
  return found;
}
