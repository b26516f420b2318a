/**
 * VP8 as files, pipes and RTP feed it: the IVF reader fed a mutated file in random chunks, with
 * each frame's header read (plain Errors for a bad header, an oversized or a cut frame), and the
 * RFC 7741 depacketizer (never throws; its bounds hold).
 */
import { Vp8Depacketizer } from "../../../core/rtp/vp8-depacketizer.ts";
import { parseVp8FrameHeader } from "../../../core/vp8/frame-header.ts";
import { IvfReader } from "../../../core/vp8/ivf.ts";
import { concatBytes } from "../../../core/bytes/concat-bytes.ts";
import { codecSeeds, prepareCodecSeeds } from "../codec-seeds.ts";
import { mutateBytes } from "../mutate.ts";
import { type FuzzTarget, isPlainError, showBytes } from "../target.ts";
import { depacketizerTarget } from "./rtp.ts";

interface IvfCase {
  chunks: Uint8Array[];
  maxFrameBytes: number;
}

export const ivfReader: FuzzTarget<IvfCase> = {
  name: "ivf-reader",
  prepare: prepareCodecSeeds,
  input(rng) {
    const file = codecSeeds().ivfFile;
    // The header and a few frames: mutations then land in sizes and timestamps often.
    const head = file.subarray(0, 32 + rng.below(Math.min(file.length, 40_000)));
    const stream = mutateBytes(head, rng, file);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < stream.length;) {
      const size = rng.pick([1, 3, 12, 32, 100, 4096, 65536]);
      chunks.push(stream.subarray(at, at + size));
      at += size;
    }
    return { chunks, maxFrameBytes: rng.pick([1000, 20_000, 1 << 20]) };
  },
  run({ chunks, maxFrameBytes }) {
    const reader = new IvfReader({ maxFrameBytes });
    for (const chunk of chunks) {
      for (const frame of reader.push(chunk)) {
        try {
          parseVp8FrameHeader(frame.data);
        } catch (error) {
          if (!isPlainError(error)) throw error;
        }
      }
    }
    reader.end();
  },
  deliberate: isPlainError,
  show: (c) => showBytes(concatBytes(c.chunks)),
};

export const vp8Depacketizer = depacketizerTarget(
  "vp8-depacketizer",
  () => codecSeeds().vp8Packets,
  (options) => new Vp8Depacketizer(options),
  prepareCodecSeeds,
);
