/**
 * The shape H.264 (RFC 6184) and H.265 (RFC 7798) RTP payloads share: a NAL unit that fits goes
 * alone (single NAL unit packet), runs of small NAL units such as the parameter sets share an
 * aggregation packet, and a NAL unit larger than the payload budget is cut into fragmentation
 * units. Each codec says how its aggregation and fragmentation headers are made.
 */
import type { ByteRange } from "../h264/nal-unit.ts";
import { nearEqualLengths } from "./fragment-lengths.ts";
import type { PayloadPlan } from "./payload-plan.ts";

export interface NalPacketization {
  codec: string;
  /** Bytes of the aggregation packet's own header, before the first NAL unit size field. */
  aggregationHeaderSize: number;
  /** Bytes of a fragment's headers; the budget must leave room for one byte more. */
  fragmentHeaderSize: number;
  aggregate(au: Uint8Array, nalUnits: readonly ByteRange[]): PayloadPlan;
  fragment(au: Uint8Array, nal: ByteRange, maxPayload: number, plans: PayloadPlan[]): void;
}

/** The 16-bit size field before each NAL unit in an aggregation packet. */
const nalSizeField = 2;

/**
 * Plans the RTP payloads of one access unit. `nalUnits` are ranges in `au` without start codes
 * (from findNalUnits). The last plan carries the marker bit. `maxPayload` is the RTP payload
 * budget (MTU minus IP/UDP/SRTP/RTP overheads).
 */
export function planNalUnits(
  au: Uint8Array,
  nalUnits: readonly ByteRange[],
  maxPayload: number,
  scheme: NalPacketization,
): PayloadPlan[] {
  if (maxPayload < scheme.fragmentHeaderSize + 1) {
    throw new RangeError(
      `maxPayload ${maxPayload} is too small for an ${scheme.codec} RTP payload`,
    );
  }
  const plans: PayloadPlan[] = [];
  let i = 0;
  while (i < nalUnits.length) {
    const nal = nalUnits[i];
    const aggregated = aggregationRun(nalUnits, i, maxPayload, scheme.aggregationHeaderSize);
    if (aggregated > 1) {
      plans.push(scheme.aggregate(au, nalUnits.slice(i, i + aggregated)));
      i += aggregated;
    } else if (nal.length <= maxPayload) {
      plans.push({ pieces: [view(au, nal.offset, nal.length)], size: nal.length, marker: false });
      i++;
    } else {
      scheme.fragment(au, nal, maxPayload, plans);
      i++;
    }
  }
  if (plans.length > 0) plans[plans.length - 1].marker = true;
  return plans;
}

/** How many NAL units from `first` on fit together in one aggregation packet. */
function aggregationRun(
  nalUnits: readonly ByteRange[],
  first: number,
  maxPayload: number,
  headerSize: number,
): number {
  let size = headerSize;
  let count = 0;
  for (let i = first; i < nalUnits.length; i++) {
    size += nalSizeField + nalUnits[i].length;
    if (size > maxPayload) break;
    count++;
  }
  return count;
}

/** A view of `length` bytes of the access unit from `offset`. */
function view(au: Uint8Array, offset: number, length: number): Uint8Array {
  return au.subarray(offset, offset + length);
}

/**
 * An aggregation packet's plan: its `header` bytes, then each NAL unit after its 16-bit size
 * (the same layout for a STAP-A and an H.265 AP without DONL).
 */
export function aggregationPlan(
  au: Uint8Array,
  nalUnits: readonly ByteRange[],
  header: readonly number[],
): PayloadPlan {
  const pieces: Uint8Array[] = [];
  let size = header.length;
  nalUnits.forEach((nal, k) => {
    const sizeField = new Uint8Array([
      ...(k === 0 ? header : []),
      nal.length >>> 8,
      nal.length & 0xff,
    ]);
    pieces.push(sizeField, view(au, nal.offset, nal.length));
    size += nalSizeField + nal.length;
  });
  return { pieces, size, marker: false };
}

/**
 * Fragment plans of one NAL unit: its bytes after the `skip` header bytes, in near-equal
 * pieces, each after `header` and the FU header (S and E bits with the NAL unit's type).
 */
export function fragmentPlans(
  au: Uint8Array,
  nal: ByteRange,
  skip: number,
  header: readonly number[],
  type: number,
  maxPayload: number,
  plans: PayloadPlan[],
) {
  const headerSize = header.length + 1;
  const lengths = nearEqualLengths(nal.length - skip, maxPayload - headerSize);
  let offset = nal.offset + skip;
  lengths.forEach((length, k) => {
    const start = k === 0 ? 0x80 : 0;
    const end = k === lengths.length - 1 ? 0x40 : 0;
    // Filled in place: spreading `header` into an array literal per fragment is slow on Bun.
    const fragmentHeader = new Uint8Array(headerSize);
    fragmentHeader.set(header);
    fragmentHeader[headerSize - 1] = start | end | type;
    plans.push({
      pieces: [fragmentHeader, view(au, offset, length)],
      size: headerSize + length,
      marker: false,
    });
    offset += length;
  });
}
