/**
 * H.264 RTP depacketizer (RFC 6184, packetization-mode 1) for a viewer: the shared
 * `RtpDepacketizer` (reordering, loss, bounds) with H.264's payload format: STAP-A and FU-A
 * reassembled, each access unit given out as Annex-B with 4-byte start codes.
 */
import { NalType, nalType } from "../h264/nal-unit.ts";
import {
  type AssembledFrame,
  type DepacketizedFrame,
  type DepacketizerOptions,
  PayloadError,
  RtpDepacketizer,
  type RtpPayloadFormat,
} from "./depacketizer.ts";
import { fuA, stapA } from "./h264-packetizer.ts";
import { AnnexBFrameBuilder } from "./annex-b-frame.ts";

export {
  defaultMaxAccessUnitBytes,
  defaultMaxBufferedBytes,
  defaultMaxBufferedPackets,
  type DepacketizerStats as H264DepacketizerStats,
} from "./depacketizer.ts";
export type DepacketizedAccessUnit = DepacketizedFrame;
export type H264DepacketizerOptions = DepacketizerOptions;

export const h264PayloadFormat: RtpPayloadFormat = {
  // Only NAL units that can only open an access unit (how a keyframe begins).
  opensKeyframe(payload) {
    const type = firstNalType(payload);
    return type === NalType.accessUnitDelimiter || type === NalType.sps;
  },
  holdsKeyframe(payload) {
    if (payload.length === 0) return false;
    const type = nalType(payload[0]);
    if (type === NalType.idrSlice) return true;
    if (type === fuA) return payload.length > 1 && nalType(payload[1]) === NalType.idrSlice;
    return type === stapA && stapAHasIdr(payload);
  },
  assemble: assembleAccessUnit,
};

export class H264Depacketizer extends RtpDepacketizer {
  constructor(options: H264DepacketizerOptions = {}) {
    super(h264PayloadFormat, options);
  }
}

function firstNalType(payload: Uint8Array): number {
  if (payload.length < 2) return payload.length ? nalType(payload[0]) : 0;
  const type = nalType(payload[0]);
  if (type === stapA) return payload.length > 3 ? nalType(payload[3]) : 0;
  if (type === fuA) return payload[1] & 0x80 ? nalType(payload[1]) : 0;
  return type;
}

/** True when a STAP-A holds an IDR slice (sizes that overrun the packet end the look). */
function stapAHasIdr(payload: Uint8Array): boolean {
  for (let at = 1; at + 2 < payload.length; at += 2 + ((payload[at] << 8) | payload[at + 1])) {
    if (nalType(payload[at + 2]) === NalType.idrSlice) return true;
  }
  return false;
}

/** Rebuilds the NAL units of one frame's payloads (in order) as Annex-B. */
function assembleAccessUnit(payloads: readonly Uint8Array[]): AssembledFrame {
  const frame = new AnnexBFrameBuilder();
  for (const payload of payloads) {
    if (payload.length === 0) continue; // padding only
    const type = nalType(payload[0]);
    if (type === fuA) {
      if (payload.length < 3) throw new PayloadError("FU-A packet without payload");
      const fuHeader = payload[1];
      const header = fuHeader & 0x80
        ? new Uint8Array([(payload[0] & 0xe0) | (fuHeader & 0x1f)])
        : undefined;
      frame.fragment(header, payload.subarray(2), (fuHeader & 0x40) !== 0);
    } else if (type === stapA) {
      frame.aggregated(payload, 1);
    } else if (type >= 1 && type <= 23) {
      frame.whole(payload);
    } else {
      throw new PayloadError(`H.264 RTP payload type ${type} is not packetization-mode 1`);
    }
  }
  const data = frame.annexB();
  const keyframe = frame.nalUnits.some((pieces) => nalType(pieces[0][0]) === NalType.idrSlice);
  return { data, keyframe };
}
