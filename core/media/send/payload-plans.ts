/**
 * A frame's RTP payload plans, made when a sender first asks for them at its payload budget and
 * kept beside the frame for as long as the frame lives: every viewer with the same budget, and
 * every retransmission, gets the same plans (the same array), so a frame is planned once per
 * budget, not once per viewer, and a frame no sender asked for is never planned.
 */
import { planH264AccessUnit } from "../../rtp/h264-packetizer.ts";
import { planH265AccessUnit } from "../../rtp/h265-packetizer.ts";
import { planOpus } from "../../rtp/opus-packetizer.ts";
import type { PayloadPlan } from "../../rtp/payload-plan.ts";
import { planVp8Frame } from "../../rtp/vp8-packetizer.ts";
import type { MediaFrame } from "../media-frame.ts";

/**
 * RTP payload budget: 1200-byte packets (what browsers use) less the 12-byte RTP header, so
 * SRTP, UDP and IPv6 headers stay well inside a 1280-byte path MTU.
 */
export const defaultMaxPayload = 1188;

/** Per frame: payload budget -> plans. Weak, so the plans go with the frame. */
const cache = new WeakMap<MediaFrame, Map<number, readonly PayloadPlan[]>>();

/**
 * The frame's plans at this budget. A VP8 frame's picture id is its place in the ring (`index`),
 * the same for every viewer and every resend of it.
 */
export function payloadPlans(
  frame: MediaFrame & { readonly index?: number },
  maxPayload: number,
): readonly PayloadPlan[] {
  let bySize = cache.get(frame);
  if (!bySize) cache.set(frame, bySize = new Map());
  let plans = bySize.get(maxPayload);
  if (!plans) {
    plans = planFrame(frame, maxPayload);
    bySize.set(maxPayload, plans);
  }
  return plans;
}

function planFrame(
  frame: MediaFrame & { readonly index?: number },
  maxPayload: number,
): readonly PayloadPlan[] {
  switch (frame.codec) {
    case "h264":
      return planH264AccessUnit(frame.bytes, frame.nalUnits, maxPayload);
    case "h265":
      return planH265AccessUnit(frame.bytes, frame.nalUnits, maxPayload);
    case "vp8":
      return planVp8Frame(frame.bytes, frame.index ?? 0, maxPayload);
    case "opus":
      return [planOpus(frame.bytes)];
  }
}
