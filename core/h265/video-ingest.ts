/**
 * Turns an H.265 source's access units into video frames, as core/media/video-ingest.ts does
 * for H.264: it remembers the newest VPS, SPS and PPS so that every keyframe goes out with all
 * three in front (a viewer that starts at any keyframe can decode it), and knows the stream's
 * SPS (profile, tier, level and size, for the SDP answer and a PutMedia track's hvcC).
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { sameBytes } from "../bytes/same-bytes.ts";
import { findNalUnits } from "../h264/nal-unit.ts";
import type { MediaFrame } from "../media/media-frame.ts";
import { isH265Keyframe } from "./access-unit.ts";
import { H265NalType, h265NalType } from "./nal-unit.ts";
import { type H265Sps, parseH265Sps } from "./sps.ts";

const startCode = new Uint8Array([0, 0, 0, 1]);

/** The VPS, SPS and PPS of a stream (the newest of each), as NAL units without start codes. */
export interface H265ParameterSets {
  vps?: Uint8Array;
  sps?: Uint8Array;
  pps?: Uint8Array;
}

const setNames = {
  [H265NalType.vps]: "vps",
  [H265NalType.sps]: "sps",
  [H265NalType.pps]: "pps",
} as const;

export class H265VideoIngest {
  readonly #sets: H265ParameterSets = {};
  #parsed?: H265Sps;

  /** The newest SPS seen, parsed; undefined before the first one. */
  get sps(): H265Sps | undefined {
    return this.#parsed;
  }

  /** The newest parameter sets seen (for an hvcC record). */
  get parameterSets(): Readonly<H265ParameterSets> {
    return this.#sets;
  }

  /** One access unit (Annex-B) -> one frame; throws on a malformed SPS. */
  frame(bytes: Uint8Array, timeUs: number): MediaFrame {
    let nalUnits = findNalUnits(bytes);
    if (nalUnits.length === 0) throw new Error("an H.265 access unit without NAL units");
    const carried: H265ParameterSets = {};
    for (const nal of nalUnits) {
      const name = setNames[h265NalType(bytes[nal.offset]) as keyof typeof setNames];
      if (name) carried[name] ??= bytes.subarray(nal.offset, nal.offset + nal.length);
    }
    if (carried.sps && !(this.#sets.sps && sameBytes(carried.sps, this.#sets.sps))) {
      this.#parsed = parseH265Sps(carried.sps);
    }
    Object.assign(this.#sets, carried);
    const keyframe = isH265Keyframe(bytes, nalUnits);
    const missing = (["vps", "sps", "pps"] as const).filter((n) => !carried[n] && this.#sets[n]);
    if (keyframe && missing.length > 0) {
      // One copy, at ingest: the frame then carries its parameter sets for every viewer.
      bytes = concatBytes([...missing.flatMap((n) => [startCode, this.#sets[n]!]), bytes]);
      nalUnits = findNalUnits(bytes);
    }
    return { kind: "video", codec: "h265", bytes, timeUs, keyframe, nalUnits };
  }
}
