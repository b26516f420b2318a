/**
 * H.265 as files, pipes and RTP feed it: the Annex-B splitter (a plain Error only for an
 * oversized access unit), the SPS parser and hvcC records (plain Errors for malformed ones),
 * and the RFC 7798 depacketizer (never throws; its bounds hold).
 */
import { H265AccessUnitSplitter } from "../../../core/h265/access-unit-splitter.ts";
import { hevcDecoderConfigurationRecord, parseHevcDecoderConfig } from "../../../core/h265/hvcc.ts";
import { parseH265Sps } from "../../../core/h265/sps.ts";
import { H265Depacketizer } from "../../../core/rtp/h265-depacketizer.ts";
import { codecSeeds, prepareCodecSeeds } from "../codec-seeds.ts";
import { inBiggerBuffer, mutateBytes } from "../mutate.ts";
import { type FuzzTarget, isPlainError, showBytes } from "../target.ts";
import { splitterTarget } from "./h264.ts";
import { depacketizerTarget } from "./rtp.ts";

export const h265AccessUnitSplitter = splitterTarget(
  "h265-access-unit-splitter",
  () => codecSeeds().h265AccessUnits,
  (options) => new H265AccessUnitSplitter(options),
  prepareCodecSeeds,
);

export const h265Sps: FuzzTarget<Uint8Array> = {
  name: "h265-sps",
  prepare: prepareCodecSeeds,
  input(rng) {
    const { sps } = codecSeeds().h265ParameterSets;
    // Sub-layers too (sps_max_sub_layers_minus1 = 3): their profile and level flags are read.
    const layered = Uint8Array.from(sps, (b, i) => (i === 2 ? b | 0x06 : b));
    return inBiggerBuffer(mutateBytes(rng.chance(0.5) ? sps : layered, rng, layered), rng);
  },
  run: (nal) => parseH265Sps(nal),
  deliberate: isPlainError,
  show: showBytes,
};

export const h265Hvcc: FuzzTarget<Uint8Array> = {
  name: "h265-hvcc",
  prepare: prepareCodecSeeds,
  input(rng) {
    const { vps, sps, pps } = codecSeeds().h265ParameterSets;
    let record: Uint8Array;
    try {
      record = hevcDecoderConfigurationRecord(vps, sps, pps);
    } catch {
      record = new Uint8Array([1, ...new Array(21).fill(0), 3, 0]); // the hand-made seeds' SPS
    }
    return inBiggerBuffer(mutateBytes(record, rng), rng);
  },
  run: (record) => parseHevcDecoderConfig(record),
  deliberate: isPlainError,
  show: showBytes,
};

export const h265Depacketizer = depacketizerTarget(
  "h265-depacketizer",
  () => codecSeeds().h265Packets,
  (options) => new H265Depacketizer(options),
  prepareCodecSeeds,
);
