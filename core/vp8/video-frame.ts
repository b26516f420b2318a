/**
 * A VP8 frame as a media frame: its bytes as they are (no NAL units), keyframe from its frame
 * tag. VP8 has no parameter sets: every key frame carries its own size, so nothing is added.
 */
import type { MediaFrame } from "../media/media-frame.ts";
import { isVp8Keyframe } from "./frame-header.ts";

const noNalUnits = Object.freeze([]);

export function vp8VideoFrame(bytes: Uint8Array, timeUs: number): MediaFrame {
  if (bytes.length === 0) throw new Error("an empty VP8 frame");
  const keyframe = isVp8Keyframe(bytes);
  return { kind: "video", codec: "vp8", bytes, timeUs, keyframe, nalUnits: noNalUnits };
}
