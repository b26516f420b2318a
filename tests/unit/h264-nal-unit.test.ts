import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { isKeyframe } from "../../core/h264/access-unit.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { sampleFrames } from "./support/samples.ts";

const types = (au: Uint8Array) => findNalUnits(au).map((n) => nalType(au[n.offset]));

describe("Annex-B NAL units", () => {
  const cases = [
    {
      name: "4-byte start codes",
      bytes: [0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce],
      want: [[4, 2], [10, 2]],
    },
    {
      name: "3-byte start codes",
      bytes: [0, 0, 1, 0x65, 0x88, 0, 0, 1, 0x41, 0x9a],
      want: [[3, 2], [8, 2]],
    },
    {
      name: "mixed, with trailing zero bytes",
      bytes: [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 0, 1, 0x41, 0x9a, 0],
      want: [[4, 2], [11, 2]],
    },
    {
      name: "leading garbage before the first start code",
      bytes: [7, 7, 0, 0, 1, 0x06, 0x05],
      want: [[5, 2]],
    },
    {
      name: "00 00 03 (emulation prevention) is not a start code",
      bytes: [0, 0, 1, 0x65, 0, 0, 3, 1, 0x80],
      want: [[3, 6]],
    },
    { name: "no start code", bytes: [0x65, 0x88, 0x84], want: [] },
  ];
  for (const c of cases) {
    test(`finds ranges without start codes: ${c.name}`, () => {
      const ranges = findNalUnits(new Uint8Array(c.bytes));
      assert.deepEqual(ranges.map((r) => [r.offset, r.length]), c.want);
    });
  }

  test("the sample frames: SPS+PPS(+SEI) ahead of each IDR every 30 frames, slices between", () => {
    assert.equal(sampleFrames.length, 300);
    sampleFrames.forEach((au, i) => {
      const keyframe = i % 30 === 0;
      assert.equal(isKeyframe(au, findNalUnits(au)), keyframe, `frame ${i + 1}`);
      const want = keyframe
        ? [NalType.sps, NalType.pps, ...(i === 0 ? [NalType.sei] : []), NalType.idrSlice]
        : [NalType.slice];
      assert.deepEqual(types(au), want, `frame ${i + 1}`);
    });
    const first = sampleFrames[0];
    const sps = findNalUnits(first)[0];
    const { width, height, profileIdc, levelIdc } = parseSps(
      first.subarray(sps.offset, sps.offset + sps.length),
    );
    assert.deepEqual({ width, height, profileIdc, levelIdc }, {
      width: 640,
      height: 480,
      profileIdc: 66,
      levelIdc: 31,
    });
  });

  test("x264's 3-byte start codes appear in the samples and are found", () => {
    const withShort = sampleFrames.filter((au) =>
      findNalUnits(au).some((n) => n.offset >= 3 && au[n.offset - 4] !== 0)
    );
    assert.ok(withShort.length >= 10, `${withShort.length} frames with 3-byte start codes`);
  });
});
