/**
 * H.264 RTP payloads per RFC 6184, packetization-mode 1 (non-interleaved): a NAL unit that fits
 * goes alone (single NAL unit packet); runs of small NAL units such as SPS + PPS share a STAP-A;
 * a NAL unit larger than the payload budget is cut into FU-A fragments of near-equal size.
 */
import type { ByteRange } from "../h264/nal-unit.ts";
import {
  aggregationPlan,
  fragmentPlans,
  type NalPacketization,
  planNalUnits,
} from "./nal-unit-plans.ts";
import type { PayloadPlan } from "./payload-plan.ts";

export const stapA = 24;
export const fuA = 28;

const stapAHeaderSize = 1;
const fuAHeaderSize = 2;

const h264Packetization: NalPacketization = {
  codec: "H.264",
  aggregationHeaderSize: stapAHeaderSize,
  fragmentHeaderSize: fuAHeaderSize,
  aggregate: planStapA,
  fragment: planFuA,
};

/**
 * Plans the RTP payloads of one access unit. `nalUnits` are ranges in `au` without start codes
 * (from findNalUnits). The last plan carries the marker bit. `maxPayload` is the RTP payload
 * budget (MTU minus IP/UDP/SRTP/RTP overheads).
 */
export function planH264AccessUnit(
  au: Uint8Array,
  nalUnits: readonly ByteRange[],
  maxPayload: number,
): PayloadPlan[] {
  return planNalUnits(au, nalUnits, maxPayload, h264Packetization);
}

function planStapA(au: Uint8Array, nalUnits: readonly ByteRange[]): PayloadPlan {
  // STAP-A header: F is the OR of the F bits, NRI the highest NRI of the aggregated units.
  let forbidden = 0;
  let nri = 0;
  for (const nal of nalUnits) {
    forbidden |= au[nal.offset] & 0x80;
    nri = Math.max(nri, au[nal.offset] & 0x60);
  }
  return aggregationPlan(au, nalUnits, [forbidden | nri | stapA]);
}

function planFuA(au: Uint8Array, nal: ByteRange, maxPayload: number, plans: PayloadPlan[]) {
  const header = au[nal.offset];
  const indicator = (header & 0xe0) | fuA;
  const type = header & 0x1f;
  // The NAL header byte is not sent as such: FU indicator + FU header carry its bits.
  fragmentPlans(au, nal, 1, [indicator], type, maxPayload, plans);
}
