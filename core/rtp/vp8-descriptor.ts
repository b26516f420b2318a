/**
 * The VP8 payload descriptor (RFC 7741 4.2) before every VP8 RTP payload:
 *
 *   X R N S R PID        X: extension byte follows; N: non-reference frame; S: start of a
 *   I L T K RSV          partition (with PID 0: of the frame); PID: partition index
 *   M PictureID          I: picture id follows (M: in 15 bits, else 7)
 *   TL0PICIDX            L: temporal layer zero index follows
 *   TID Y KEYIDX         T or K: temporal layer id, layer sync, key index follow
 */

export interface Vp8PayloadDescriptor {
  nonReference: boolean;
  /** S: the payload begins a partition (with `partitionId` 0, the frame). */
  start: boolean;
  partitionId: number;
  /** 7 or 15 bits, when present. */
  pictureId?: number;
  tl0PicIdx?: number;
  temporalLayerId?: number;
  layerSync?: boolean;
  keyIndex?: number;
  /** Bytes of the descriptor: the VP8 payload starts here. */
  size: number;
}

/** Picture ids are 15 bits in the long form (M set), which is what kvsrtc sends. */
export const pictureIdModulus = 0x8000;

/**
 * Reads the descriptor at the start of a payload; undefined when the payload ends inside it
 * (the caller decides what a malformed payload means).
 */
export function parseVp8Descriptor(payload: Uint8Array): Vp8PayloadDescriptor | undefined {
  if (payload.length < 1) return undefined;
  const first = payload[0];
  const descriptor: Vp8PayloadDescriptor = {
    nonReference: (first & 0x20) !== 0,
    start: (first & 0x10) !== 0,
    partitionId: first & 0x07,
    size: 1,
  };
  if ((first & 0x80) === 0) return descriptor;
  if (payload.length < 2) return undefined;
  const extension = payload[1];
  let at = 2;
  if (extension & 0x80) {
    if (at >= payload.length) return undefined;
    if (payload[at] & 0x80) {
      if (at + 1 >= payload.length) return undefined;
      descriptor.pictureId = ((payload[at] & 0x7f) << 8) | payload[at + 1];
      at += 2;
    } else {
      descriptor.pictureId = payload[at++];
    }
  }
  if (extension & 0x40) {
    if (at >= payload.length) return undefined;
    descriptor.tl0PicIdx = payload[at++];
  }
  if (extension & 0x30) {
    if (at >= payload.length) return undefined;
    const byte = payload[at++];
    if (extension & 0x20) {
      descriptor.temporalLayerId = byte >> 6;
      descriptor.layerSync = (byte & 0x20) !== 0;
    }
    if (extension & 0x10) descriptor.keyIndex = byte & 0x1f;
  }
  descriptor.size = at;
  return descriptor;
}

/** The 4-byte descriptor kvsrtc sends: X and I set, a 15-bit picture id, partition 0. */
export function vp8Descriptor(start: boolean, pictureId: number): Uint8Array {
  const id = pictureId % pictureIdModulus;
  return new Uint8Array([0x80 | (start ? 0x10 : 0), 0x80, 0x80 | (id >> 8), id & 0xff]);
}
