/**
 * Turns a source's access units into video frames. It remembers the stream's newest SPS and PPS
 * so that every keyframe goes out with them in front (a viewer that starts at a keyframe can
 * always decode it), and knows the stream's parameter sets (its profile and level, for whoever
 * describes the stream: an SDP answer, a PutMedia track entry).
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { findNalUnits } from "../h264/nal-unit.ts";
import { parseSps, type Sps } from "../h264/sps.ts";
import { type MediaFrame, parameterSets, videoFrame } from "./media-frame.ts";

const startCode = new Uint8Array([0, 0, 0, 1]);

export class VideoIngest {
  #sps?: Uint8Array;
  #pps?: Uint8Array;
  #parsed?: Sps;

  /** The newest SPS seen, parsed; undefined before the first one. */
  get sps(): Sps | undefined {
    return this.#parsed;
  }

  /** One access unit (Annex-B) -> one frame; throws on a malformed SPS. */
  frame(bytes: Uint8Array, timeUs: number): MediaFrame {
    let nalUnits = findNalUnits(bytes);
    if (nalUnits.length === 0) throw new Error("an access unit without NAL units");
    const { sps, pps } = parameterSets(bytes, nalUnits);
    if (sps) {
      if (!this.#sps || !sameBytes(sps, this.#sps)) this.#parsed = parseSps(sps);
      this.#sps = sps;
    }
    if (pps) this.#pps = pps;
    let frame = videoFrame(bytes, timeUs, nalUnits);
    if (frame.keyframe && (!sps || !pps) && this.#sps && this.#pps) {
      // One copy, at ingest: the frame then carries its parameter sets for every viewer.
      const missing = [...(sps ? [] : [this.#sps]), ...(pps ? [] : [this.#pps])];
      const withSets = concatBytes([...missing.flatMap((nal) => [startCode, nal]), bytes]);
      nalUnits = findNalUnits(withSets);
      frame = videoFrame(withSets, timeUs, nalUnits);
    }
    return frame;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
