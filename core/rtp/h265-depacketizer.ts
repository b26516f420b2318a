/**
 * H.265 RTP depacketizer (RFC 7798, one RTP stream, no DONL) for a viewer: the shared
 * `RtpDepacketizer` (reordering, loss, bounds) with H.265's payload format: single NAL unit
 * packets, aggregation packets and fragmentation units, each access unit given out as Annex-B
 * with 4-byte start codes. A fragmented NAL unit missing its start or end drops the access unit.
 */
import { H265NalType, h265NalType, isIrapType } from "../h265/nal-unit.ts";
import { AnnexBFrameBuilder } from "./annex-b-frame.ts";
import {
  type AssembledFrame,
  type DepacketizerOptions,
  PayloadError,
  RtpDepacketizer,
  type RtpPayloadFormat,
} from "./depacketizer.ts";
import { aggregationPacket, fragmentationUnit } from "./h265-packetizer.ts";

/** PayloadHdr (two bytes) and the FU header after it. */
const payloadHeaderSize = 2;
const fuHeaderSize = 3;

/** The type of the first NAL unit a payload carries or begins; -1 when it begins none. */
function firstNalType(payload: Uint8Array): number {
  if (payload.length < payloadHeaderSize) return -1;
  const type = h265NalType(payload[0]);
  if (type === aggregationPacket) return payload.length > 4 ? h265NalType(payload[4]) : -1;
  if (type === fragmentationUnit) {
    return payload.length > 2 && payload[2] & 0x80 ? payload[2] & 0x3f : -1;
  }
  return type;
}

/** The NAL unit types an aggregation packet holds (sizes that overrun it end the look). */
function aggregatedTypes(payload: Uint8Array): number[] {
  const types: number[] = [];
  for (
    let at = payloadHeaderSize;
    at + 2 < payload.length;
    at += 2 + ((payload[at] << 8) | payload[at + 1])
  ) {
    types.push(h265NalType(payload[at + 2]));
  }
  return types;
}

export const h265PayloadFormat: RtpPayloadFormat = {
  // Only NAL units that can only open an access unit (how a keyframe begins).
  opensKeyframe(payload) {
    const type = firstNalType(payload);
    return type === H265NalType.accessUnitDelimiter || type === H265NalType.vps ||
      type === H265NalType.sps;
  },
  holdsKeyframe(payload) {
    if (payload.length < payloadHeaderSize) return false;
    const type = h265NalType(payload[0]);
    if (type === fragmentationUnit) return payload.length > 2 && isIrapType(payload[2] & 0x3f);
    if (type === aggregationPacket) return aggregatedTypes(payload).some(isIrapType);
    return isIrapType(type);
  },
  assemble: assembleAccessUnit,
};

export class H265Depacketizer extends RtpDepacketizer {
  constructor(options: DepacketizerOptions = {}) {
    super(h265PayloadFormat, options);
  }
}

/** Rebuilds the NAL units of one frame's payloads (in order) as Annex-B. */
function assembleAccessUnit(payloads: readonly Uint8Array[]): AssembledFrame {
  const frame = new AnnexBFrameBuilder();
  for (const payload of payloads) {
    if (payload.length === 0) continue; // padding only
    if (payload.length < payloadHeaderSize) throw new PayloadError("H.265 payload of one byte");
    const type = h265NalType(payload[0]);
    if (type === fragmentationUnit) {
      if (payload.length <= fuHeaderSize) throw new PayloadError("H.265 FU without payload");
      const fuHeader = payload[2];
      // The NAL unit header: the PayloadHdr's F, LayerId and TID with the FU header's type.
      const header = fuHeader & 0x80
        ? new Uint8Array([(payload[0] & 0x81) | ((fuHeader & 0x3f) << 1), payload[1]])
        : undefined;
      frame.fragment(header, payload.subarray(fuHeaderSize), (fuHeader & 0x40) !== 0);
    } else if (type === aggregationPacket) {
      frame.aggregated(payload, payloadHeaderSize);
    } else if (type < aggregationPacket) {
      frame.whole(payload);
    } else {
      throw new PayloadError(`H.265 RTP payload type ${type} is not supported`);
    }
  }
  const data = frame.annexB();
  const keyframe = frame.nalUnits.some((pieces) => isIrapType(h265NalType(pieces[0][0])));
  return { data, keyframe };
}
