import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  annexBAccessUnit,
  avcDecoderConfigurationRecord,
  lengthPrefixedNalUnits,
  parseAvcDecoderConfig,
} from "../../core/h264/avcc.ts";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { parseSps } from "../../core/h264/sps.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

// The avcC ffmpeg (x264, Constrained Baseline, 320x240) writes into an MP4: one SPS, one PPS,
// 4-byte lengths.
const avcC = hex(
  "0142c00dffe100186742c00dd90141fb0110000003001000000303c0f142a48001000568cb83cb20",
);

/** NAL units as MP4 stores them: each after a 4-byte (or `size`-byte) big-endian length. */
function lengthPrefixed(units: number[][], size = 4): Uint8Array {
  return new Uint8Array(units.flatMap((u) => {
    const length = Array.from(
      { length: size },
      (_, i) => (u.length >> (8 * (size - 1 - i))) & 0xff,
    );
    return [...length, ...u];
  }));
}

const nalTypes = (au: Uint8Array) => findNalUnits(au).map((n) => nalType(au[n.offset]));

describe("AVCC (MP4/Matroska H.264) to Annex-B", () => {
  test("reads the SPS and PPS and the length size of an avcC record", () => {
    const config = parseAvcDecoderConfig(avcC);
    assert.equal(config.lengthSize, 4);
    assert.deepEqual(config.parameterSets.map((p) => nalType(p[0])), [NalType.sps, NalType.pps]);
    const { width, height } = parseSps(config.parameterSets[0]);
    assert.deepEqual({ width, height }, { width: 320, height: 240 });
  });

  test("puts the SPS and PPS before a keyframe's slices, with start codes", () => {
    const idr = [0x65, 0x88, 0x84, 0x21];
    const au = annexBAccessUnit(
      lengthPrefixed([[0x06, 0x05, 0x01], idr]),
      parseAvcDecoderConfig(avcC),
      true,
    );
    assert.deepEqual(nalTypes(au), [NalType.sps, NalType.pps, NalType.sei, NalType.idrSlice]);
    assert.deepEqual([...au.subarray(0, 5)], [0, 0, 0, 1, 0x67]);
    assert.deepEqual([...au.subarray(au.length - 8)], [0, 0, 0, 1, ...idr]);
  });

  test("a delta frame, or a keyframe that carries its own SPS, gets no parameter sets", () => {
    const config = parseAvcDecoderConfig(avcC);
    const slice = [0x41, 0x9a, 0x38];
    assert.deepEqual(
      annexBAccessUnit(lengthPrefixed([slice]), config, false),
      hex("00000001419a38"),
    );
    const own = annexBAccessUnit(
      lengthPrefixed([[0x67, 0x42], [0x68, 0xce], [0x65, 0x88]]),
      config,
      true,
    );
    assert.deepEqual(nalTypes(own), [NalType.sps, NalType.pps, NalType.idrSlice]);
  });

  test("takes 1- and 2-byte NAL unit lengths", () => {
    const units = [[0x41, 1, 2], [0x41, 3]];
    for (const size of [1, 2]) {
      assert.deepEqual(
        lengthPrefixedNalUnits(lengthPrefixed(units, size), size).map((u) => [...u]),
        units,
      );
    }
  });

  test("a NAL unit length that overruns its sample is an error", () => {
    const sample = lengthPrefixed([[0x41, 1, 2, 3]]).subarray(0, 6);
    assert.throws(() => lengthPrefixedNalUnits(sample, 4), /NAL unit of 4 bytes overruns it/);
    assert.throws(
      () => lengthPrefixedNalUnits(new Uint8Array([0, 0]), 4),
      /inside a NAL unit length/,
    );
  });

  test("a malformed avcC record is a one-line error", () => {
    assert.throws(
      () => parseAvcDecoderConfig(avcC.subarray(0, 12)),
      /avcC\): a parameter set overruns/,
    );
    assert.throws(() => parseAvcDecoderConfig(hex("0242c00dffe100")), /version 2/);
    assert.throws(() => parseAvcDecoderConfig(hex("0142c00dffe000")), /it has no SPS/);
  });

  test("an avcC record made from an SPS and a PPS is the one ffmpeg writes for them", () => {
    const { parameterSets } = parseAvcDecoderConfig(avcC);
    const [sps, pps] = parameterSets;
    assert.deepEqual(avcDecoderConfigurationRecord(sps, pps), avcC);
    assert.throws(() => avcDecoderConfigurationRecord(pps, sps), /needs an SPS/);
  });
});
