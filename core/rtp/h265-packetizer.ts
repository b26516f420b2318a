/**
 * H.265 RTP payloads per RFC 7798, one RTP stream and no DONL (sprop-max-don-diff 0): a NAL
 * unit that fits goes alone (single NAL unit packet); runs of small NAL units such as VPS + SPS
 * + PPS share an aggregation packet (AP); a NAL unit larger than the payload budget is cut into
 * fragmentation units (FU) of near-equal size.
 */
import type { ByteRange } from "../h264/nal-unit.ts";
import {
  aggregationPlan,
  fragmentPlans,
  type NalPacketization,
  planNalUnits,
} from "./nal-unit-plans.ts";
import type { PayloadPlan } from "./payload-plan.ts";

/** PayloadHdr types of RFC 7798 4.4.2 and 4.4.3. */
export const aggregationPacket = 48;
export const fragmentationUnit = 49;

/** The PayloadHdr: two bytes laid out as a NAL unit header. */
const payloadHeaderSize = 2;

const h265Packetization: NalPacketization = {
  codec: "H.265",
  aggregationHeaderSize: payloadHeaderSize,
  fragmentHeaderSize: payloadHeaderSize + 1,
  aggregate: planAggregation,
  fragment: planFragments,
};

/**
 * Plans the RTP payloads of one access unit. `nalUnits` are ranges in `au` without start codes
 * (from findNalUnits). The last plan carries the marker bit. `maxPayload` is the RTP payload
 * budget.
 */
export function planH265AccessUnit(
  au: Uint8Array,
  nalUnits: readonly ByteRange[],
  maxPayload: number,
): PayloadPlan[] {
  return planNalUnits(au, nalUnits, maxPayload, h265Packetization);
}

function planAggregation(au: Uint8Array, nalUnits: readonly ByteRange[]): PayloadPlan {
  // The AP's PayloadHdr (4.4.2): F is the OR of the F bits, LayerId and TID the lowest.
  let forbidden = 0;
  let layerId = 0x3f;
  let tid = 7;
  for (const nal of nalUnits) {
    const b0 = au[nal.offset];
    const b1 = nal.length > 1 ? au[nal.offset + 1] : 0;
    forbidden |= b0 & 0x80;
    layerId = Math.min(layerId, ((b0 & 1) << 5) | (b1 >> 3));
    tid = Math.min(tid, b1 & 0x07);
  }
  return aggregationPlan(au, nalUnits, [
    forbidden | (aggregationPacket << 1) | (layerId >> 5),
    ((layerId & 0x1f) << 3) | tid,
  ]);
}

function planFragments(au: Uint8Array, nal: ByteRange, maxPayload: number, plans: PayloadPlan[]) {
  const [b0, b1] = [au[nal.offset], au[nal.offset + 1]];
  // PayloadHdr: the NAL unit's own header with type 49; the FU header carries its type.
  const payloadHeader = [(b0 & 0x81) | (fragmentationUnit << 1), b1];
  fragmentPlans(au, nal, payloadHeaderSize, payloadHeader, (b0 >> 1) & 0x3f, maxPayload, plans);
}
