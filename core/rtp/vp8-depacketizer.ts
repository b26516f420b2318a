/**
 * VP8 RTP depacketizer (RFC 7741) for a viewer: the shared `RtpDepacketizer` (reordering, loss,
 * bounds; a frame ends at the marker bit or a new timestamp) with VP8's payload format: each
 * payload's descriptor taken off, the frame's pieces joined. A frame whose first packet is not
 * the start of partition 0 (S bit, PID 0), or with a second start, lost packets and is dropped.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { isVp8Keyframe } from "../vp8/frame-header.ts";
import {
  type AssembledFrame,
  type DepacketizerOptions,
  PayloadError,
  RtpDepacketizer,
  type RtpPayloadFormat,
} from "./depacketizer.ts";
import { parseVp8Descriptor } from "./vp8-descriptor.ts";

/** The VP8 bytes of a payload that begins a frame, or undefined. */
function frameStart(payload: Uint8Array): Uint8Array | undefined {
  const descriptor = parseVp8Descriptor(payload);
  if (!descriptor?.start || descriptor.partitionId !== 0) return undefined;
  return payload.subarray(descriptor.size);
}

export const vp8PayloadFormat: RtpPayloadFormat = {
  opensKeyframe(payload) {
    const start = frameStart(payload);
    return start !== undefined && isVp8Keyframe(start);
  },
  // Only a frame's first packet says whether it is a key frame.
  holdsKeyframe(payload) {
    return vp8PayloadFormat.opensKeyframe(payload);
  },
  assemble: assembleFrame,
};

export class Vp8Depacketizer extends RtpDepacketizer {
  constructor(options: DepacketizerOptions = {}) {
    super(vp8PayloadFormat, options);
  }
}

/** Joins one frame's payloads (in order) without their descriptors. */
function assembleFrame(payloads: readonly Uint8Array[]): AssembledFrame {
  const pieces: Uint8Array[] = [];
  let size = 0;
  for (const payload of payloads) {
    const descriptor = parseVp8Descriptor(payload);
    if (!descriptor) throw new PayloadError("a VP8 payload ends inside its descriptor");
    const frameBegins = descriptor.start && descriptor.partitionId === 0;
    if (frameBegins !== (pieces.length === 0)) {
      throw new PayloadError(
        frameBegins ? "a second VP8 frame start in one frame" : "a VP8 frame without its start",
      );
    }
    pieces.push(payload.subarray(descriptor.size));
    size += payload.length - descriptor.size;
  }
  if (size === 0) throw new PayloadError("an empty VP8 frame");
  const data = concatBytes(pieces);
  return { data, keyframe: isVp8Keyframe(data) };
}
