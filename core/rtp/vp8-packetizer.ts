/**
 * VP8 RTP payloads per RFC 7741: the frame cut into near-equal pieces, each after a payload
 * descriptor with the frame's 15-bit picture id; the first has the S bit (start of partition
 * 0), the last the marker. The frame is not split on partition boundaries (RFC 7741 allows
 * any cut), so every piece says partition 0.
 */
import { nearEqualLengths } from "./fragment-lengths.ts";
import type { PayloadPlan } from "./payload-plan.ts";
import { vp8Descriptor } from "./vp8-descriptor.ts";

const descriptorSize = 4;

/**
 * Plans the RTP payloads of one VP8 frame. `pictureId` is the frame's number in its stream
 * (taken modulo 2^15); plans are kept per frame, so it must be fixed for the frame.
 */
export function planVp8Frame(
  frame: Uint8Array,
  pictureId: number,
  maxPayload: number,
): PayloadPlan[] {
  if (maxPayload < descriptorSize + 1) {
    throw new RangeError(`maxPayload ${maxPayload} is too small for a VP8 RTP payload`);
  }
  if (frame.length === 0) throw new RangeError("an empty VP8 frame has no RTP payload");
  const lengths = nearEqualLengths(frame.length, maxPayload - descriptorSize);
  const plans: PayloadPlan[] = [];
  let offset = 0;
  lengths.forEach((length, k) => {
    plans.push({
      pieces: [vp8Descriptor(k === 0, pictureId), frame.subarray(offset, offset + length)],
      size: descriptorSize + length,
      marker: k === lengths.length - 1,
    });
    offset += length;
  });
  return plans;
}
