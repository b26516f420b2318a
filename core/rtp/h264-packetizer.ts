/**
 * H.264 RTP payloads per RFC 6184, packetization-mode 1 (non-interleaved): a NAL unit that fits
 * goes alone (single NAL unit packet); runs of small NAL units such as SPS + PPS share a STAP-A;
 * a NAL unit larger than the payload budget is cut into FU-A fragments of near-equal size.
 */
import type { ByteRange } from "../h264/nal-unit.ts";
import type { PayloadPlan } from "./payload-plan.ts";

export const stapA = 24;
export const fuA = 28;

const stapAHeaderSize = 1;
const stapANalSizeField = 2;
const fuAHeaderSize = 2;

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
  if (maxPayload < fuAHeaderSize + 1) {
    throw new RangeError(`maxPayload ${maxPayload} is too small for an H.264 RTP payload`);
  }
  const plans: PayloadPlan[] = [];
  let i = 0;
  while (i < nalUnits.length) {
    const nal = nalUnits[i];
    const aggregated = stapARun(nalUnits, i, maxPayload);
    if (aggregated > 1) {
      plans.push(planStapA(au, nalUnits.slice(i, i + aggregated)));
      i += aggregated;
    } else if (nal.length <= maxPayload) {
      plans.push({ pieces: [view(au, nal.offset, nal.length)], size: nal.length, marker: false });
      i++;
    } else {
      planFuA(au, nal, maxPayload, plans);
      i++;
    }
  }
  if (plans.length > 0) plans[plans.length - 1].marker = true;
  return plans;
}

/** How many NAL units from `first` on fit together in one STAP-A. */
function stapARun(nalUnits: readonly ByteRange[], first: number, maxPayload: number): number {
  let size = stapAHeaderSize;
  let count = 0;
  for (let i = first; i < nalUnits.length; i++) {
    size += stapANalSizeField + nalUnits[i].length;
    if (size > maxPayload) break;
    count++;
  }
  return count;
}

function planStapA(au: Uint8Array, nalUnits: readonly ByteRange[]): PayloadPlan {
  // STAP-A header: F is the OR of the F bits, NRI the highest NRI of the aggregated units.
  let forbidden = 0;
  let nri = 0;
  for (const nal of nalUnits) {
    forbidden |= au[nal.offset] & 0x80;
    nri = Math.max(nri, au[nal.offset] & 0x60);
  }
  const pieces: Uint8Array[] = [];
  let size = stapAHeaderSize;
  nalUnits.forEach((nal, k) => {
    const sizeField = new Uint8Array([
      ...(k === 0 ? [forbidden | nri | stapA] : []),
      nal.length >>> 8,
      nal.length & 0xff,
    ]);
    pieces.push(sizeField, view(au, nal.offset, nal.length));
    size += stapANalSizeField + nal.length;
  });
  return { pieces, size, marker: false };
}

function planFuA(au: Uint8Array, nal: ByteRange, maxPayload: number, plans: PayloadPlan[]) {
  const header = au[nal.offset];
  const indicator = (header & 0xe0) | fuA;
  const type = header & 0x1f;
  // The NAL header byte is not sent as such: FU indicator + FU header carry its bits.
  const body = nal.length - 1;
  const budget = maxPayload - fuAHeaderSize;
  const count = Math.ceil(body / budget);
  const base = Math.floor(body / count);
  const extra = body % count; // the first `extra` fragments get one byte more
  let offset = nal.offset + 1;
  for (let k = 0; k < count; k++) {
    const length = base + (k < extra ? 1 : 0);
    const start = k === 0 ? 0x80 : 0;
    const end = k === count - 1 ? 0x40 : 0;
    plans.push({
      pieces: [new Uint8Array([indicator, start | end | type]), view(au, offset, length)],
      size: fuAHeaderSize + length,
      marker: false,
    });
    offset += length;
  }
}

function view(au: Uint8Array, offset: number, length: number): Uint8Array {
  return au.subarray(offset, offset + length);
}
