import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { isH265Keyframe, startsNewH265AccessUnit } from "../../core/h265/access-unit.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import {
  H265NalType,
  h265NalType,
  isH265VclType,
  isParameterSetType,
} from "../../core/h265/nal-unit.ts";
import { H265VideoIngest } from "../../core/h265/video-ingest.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { codecStream, codecStreamsMissing, h265Stream } from "./support/codec-streams.ts";

/** Feeds `stream` in chunks of the given sizes (cycled) and collects the access units. */
function split(stream: Uint8Array, chunkSizes: number[], splitter = new H265AccessUnitSplitter()) {
  const out: Uint8Array[] = [];
  for (let at = 0, k = 0; at < stream.length; k++) {
    const size = chunkSizes[k % chunkSizes.length];
    out.push(...splitter.push(stream.subarray(at, at + size)));
    at += size;
  }
  const last = splitter.flush();
  if (last) out.push(last);
  return out;
}

const typesOf = (au: Uint8Array) => findNalUnits(au).map((n) => h265NalType(au[n.offset]));
const keyframes = (aus: Uint8Array[]) =>
  aus.flatMap((au, i) => (isH265Keyframe(au, findNalUnits(au)) ? [i] : []));

describe("H.265 Annex-B: access units of an x265 stream", { skip: codecStreamsMissing() }, () => {
  for (const chunks of [[1 << 20], [1], [2, 3, 5, 7], [4096]]) {
    test(`cuts the stream into its ${codecStream.frames} pictures, byte for byte (chunks ${chunks})`, () => {
      const stream = h265Stream();
      const aus = split(stream, chunks);
      assert.equal(aus.length, codecStream.frames);
      assert.deepEqual(concatBytes(aus), stream, "nothing lost or added");
      for (const au of aus) {
        const vcl = findNalUnits(au).filter((n) => isH265VclType(h265NalType(au[n.offset])));
        assert.ok(vcl.length >= 1, "a picture in every access unit");
        assert.ok(au[vcl[0].offset + 2] & 0x80, "it begins with the picture's first slice segment");
      }
    });
  }

  test("finds the IRAP pictures as keyframes, one every GOP", () => {
    const aus = split(h265Stream(), [4096]);
    const gop = codecStream.gop;
    assert.deepEqual(keyframes(aus), [0, gop, 2 * gop]);
    assert.deepEqual(typesOf(aus[0]).slice(0, 3), [
      H265NalType.vps,
      H265NalType.sps,
      H265NalType.pps,
    ]);
  });

  test("ingest puts VPS, SPS and PPS before every keyframe that lacks them, once", () => {
    // x265 repeats them before every keyframe: the later keyframes here go without.
    const aus = split(h265Stream(), [4096]).map((au, i) => i === 0 ? au : withoutParameterSets(au));
    const ingest = new H265VideoIngest();
    const frames = aus.map((au, i) => ingest.frame(au, i * 33_333));
    for (const frame of frames) {
      const types = typesOf(frame.bytes);
      const sets = types.filter((t) => t >= H265NalType.vps && t <= H265NalType.pps);
      assert.deepEqual(sets, frame.keyframe ? [32, 33, 34] : []);
      assert.equal(frame.nalUnits.length, types.length);
    }
    assert.deepEqual(frames.flatMap((f, i) => f.keyframe ? [i] : []), keyframes(aus));
    assert.equal(frames[1].bytes, aus[1], "a frame that needs nothing is not copied");
    assert.equal(ingest.sps?.width, codecStream.width);
    assert.equal(ingest.parameterSets.sps?.[0], H265NalType.sps << 1);
  });
});

/** The access unit without its VPS, SPS and PPS. */
function withoutParameterSets(au: Uint8Array): Uint8Array {
  const start = new Uint8Array([0, 0, 0, 1]);
  return concatBytes(
    findNalUnits(au)
      .filter((n) => !isParameterSetType(h265NalType(au[n.offset])))
      .flatMap((n) => [start, au.subarray(n.offset, n.offset + n.length)]),
  );
}

describe("H.265 access unit boundaries", () => {
  const nal = (type: number, next = 0) => new Uint8Array([type << 1, 1, next]);
  test("an AUD, a parameter set or a prefix SEI begins one; a suffix SEI does not", () => {
    for (const type of [35, 32, 33, 34, 39]) assert.ok(startsNewH265AccessUnit(nal(type), 0));
    assert.ok(!startsNewH265AccessUnit(nal(40), 0));
  });

  test("a slice segment begins one only with first_slice_segment_in_pic_flag", () => {
    assert.ok(startsNewH265AccessUnit(nal(1, 0x80), 0));
    assert.ok(startsNewH265AccessUnit(nal(19, 0xa0), 0));
    assert.ok(!startsNewH265AccessUnit(nal(1, 0x40), 0));
  });

  test("an oversized access unit is an error naming H.265, and the splitter goes on", () => {
    const splitter = new H265AccessUnitSplitter({ maxAccessUnitBytes: 100 });
    const slice = [0, 0, 0, 1, 0x02, 0x01, 0x80, 0x11];
    assert.throws(
      () => splitter.push(new Uint8Array([...slice, ...new Array(200).fill(7)])),
      /^Error: H\.265 access unit exceeds 100 bytes/,
    );
    const au = new Uint8Array(slice);
    assert.deepEqual(split(concatBytes([au, au]), [3], splitter), [au, au]);
  });
});
