/**
 * H.264 as files and pipes feed it: the Annex-B access-unit splitter fed a mutated stream in
 * random chunks (a plain Error only for an oversized access unit), the SPS parser, and avcC
 * records and length-prefixed samples from MP4 and Matroska (plain Errors for malformed ones).
 */
import type {
  AccessUnitSplitterOptions,
  AnnexBAccessUnitSplitter,
} from "../../../core/annexb/access-unit-splitter.ts";
import { AccessUnitSplitter } from "../../../core/h264/access-unit-splitter.ts";
import {
  annexBAccessUnit,
  lengthPrefixedNalUnits,
  parseAvcDecoderConfig,
} from "../../../core/h264/avcc.ts";
import { findNalUnits } from "../../../core/h264/nal-unit.ts";
import { parseSps } from "../../../core/h264/sps.ts";
import { concatBytes } from "../../../core/bytes/concat-bytes.ts";
import { inBiggerBuffer, mutateBytes } from "../mutate.ts";
import { once, sampleAvcC, sampleFrames, sampleParameterSets } from "../seeds.ts";
import { type FuzzTarget, isPlainError, showBytes } from "../target.ts";

interface SplitterCase {
  chunks: Uint8Array[];
  maxAccessUnitBytes: number;
}

/** The splitter of a codec fed a mutated run of its access units in random chunks. */
export function splitterTarget(
  name: string,
  accessUnits: () => readonly Uint8Array[],
  create: (options: AccessUnitSplitterOptions) => AnnexBAccessUnitSplitter,
  prepare?: () => Promise<void>,
): FuzzTarget<SplitterCase> {
  return {
    name,
    prepare,
    input(rng) {
      const aus = accessUnits();
      const first = rng.below(Math.max(1, aus.length - 3));
      const frames = aus.slice(first, first + 1 + rng.below(3));
      const stream = mutateBytes(concatBytes(frames), rng, rng.pick(aus));
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < stream.length;) {
        const size = rng.pick([1, 2, 3, 4, 7, 100, 4096, 65536]);
        chunks.push(stream.subarray(at, at + size));
        at += size;
      }
      return { chunks, maxAccessUnitBytes: rng.pick([4096, 20_000, 1 << 20]) };
    },
    run({ chunks, maxAccessUnitBytes }) {
      const splitter = create({ maxAccessUnitBytes });
      for (const chunk of chunks) {
        try {
          splitter.push(chunk);
        } catch (error) {
          if (!isPlainError(error)) throw error;
          // An oversized access unit: the splitter goes on with the next one, as a source does.
        }
      }
      splitter.flush();
    },
    deliberate: isPlainError,
    show: (c) => showBytes(concatBytes(c.chunks)),
  };
}

export const accessUnitSplitter = splitterTarget(
  "access-unit-splitter",
  () => sampleFrames,
  (options) => new AccessUnitSplitter(options),
);

export const h264Sps: FuzzTarget<Uint8Array> = {
  name: "h264-sps",
  input(rng) {
    const { sps } = sampleParameterSets();
    // A High-profile SPS too (profile_idc 100: chroma format, scaling lists).
    const high = Uint8Array.from(sps, (b, i) => (i === 1 ? 100 : b));
    return inBiggerBuffer(mutateBytes(rng.chance(0.5) ? sps : high, rng, high), rng);
  },
  run: (nal) => parseSps(nal),
  deliberate: isPlainError,
  show: showBytes,
};

interface AvccCase {
  record: Uint8Array;
  sample: Uint8Array;
  lengthSize: number;
}

/** A sample frame as MP4 stores it: each NAL unit after a 4-byte length. */
function lengthPrefixed(frame: Uint8Array): Uint8Array {
  return concatBytes(
    findNalUnits(frame).flatMap(({ offset, length }) => {
      const prefix = new Uint8Array(4);
      new DataView(prefix.buffer).setUint32(0, length);
      return [prefix, frame.subarray(offset, offset + length)];
    }),
  );
}

const mp4Samples = once(() => sampleFrames.slice(0, 8).map(lengthPrefixed));

export const h264Avcc: FuzzTarget<AvccCase> = {
  name: "h264-avcc",
  input(rng) {
    const samples = mp4Samples();
    const record = rng.chance(0.5) ? mutateBytes(sampleAvcC(), rng) : sampleAvcC();
    const sample = rng.chance(0.7)
      ? mutateBytes(rng.pick(samples), rng, rng.pick(samples))
      : rng.pick(samples);
    return { record: inBiggerBuffer(record, rng), sample, lengthSize: rng.pick([1, 2, 4]) };
  },
  run({ record, sample, lengthSize }) {
    try {
      lengthPrefixedNalUnits(sample, lengthSize);
    } catch (error) {
      if (!isPlainError(error)) throw error;
    }
    const config = parseAvcDecoderConfig(record);
    annexBAccessUnit(sample, config, true);
  },
  deliberate: isPlainError,
  show: (c) => `record ${showBytes(c.record)}, sample ${showBytes(c.sample)}`,
};
