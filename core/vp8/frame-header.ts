/**
 * The start of a VP8 frame (RFC 6386 9.1): the 3-byte frame tag (key frame flag, version,
 * show_frame, first partition size) and, on a key frame, the start code 9d 01 2a and the
 * picture's width and height (14 bits each, with 2 bits of upscaling).
 */

export interface Vp8FrameHeader {
  keyframe: boolean;
  version: number;
  showFrame: boolean;
  firstPartitionSize: number;
  /** Key frames only (an interframe keeps the size of the key frame before it). */
  width?: number;
  height?: number;
}

const tagSize = 3;
const keyframeHeaderSize = 10; // tag, start code, width, height

/** True when the frame's tag says key frame (P bit 0) and the start code follows. */
export function isVp8Keyframe(frame: Uint8Array): boolean {
  return frame.length >= keyframeHeaderSize && (frame[0] & 1) === 0 &&
    frame[3] === 0x9d && frame[4] === 0x01 && frame[5] === 0x2a;
}

/** Reads a VP8 frame's header; throws a one-line error when it is not one. */
export function parseVp8FrameHeader(frame: Uint8Array): Vp8FrameHeader {
  if (frame.length < tagSize) throw new Error(`a VP8 frame of ${frame.length} bytes`);
  const tag = frame[0] | (frame[1] << 8) | (frame[2] << 16);
  const header: Vp8FrameHeader = {
    keyframe: (tag & 1) === 0,
    version: (tag >> 1) & 7,
    showFrame: (tag & 0x10) !== 0,
    firstPartitionSize: tag >>> 5,
  };
  if (!header.keyframe) return header;
  if (!isVp8Keyframe(frame)) throw new Error("a VP8 key frame without its start code 9d 01 2a");
  header.width = (frame[6] | (frame[7] << 8)) & 0x3fff;
  header.height = (frame[8] | (frame[9] << 8)) & 0x3fff;
  return header;
}
