import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { concatBytes, sampleFrames } from "./support/samples.ts";

/** Feeds `stream` in chunks of the given sizes (cycled) and collects the access units. */
function split(stream: Uint8Array, chunkSizes: number[], splitter = new AccessUnitSplitter()) {
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

const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());
const aud = [0, 0, 0, 1, 0x09, 0xf0];
const sliceAt = (firstMbBits: number, sc = [0, 0, 1]) => [...sc, 0x41, firstMbBits, 0x11, 0x22];

describe("access unit splitter for Annex-B byte streams", () => {
  const stream = concatBytes(sampleFrames);
  for (const chunks of [[stream.length], [1], [2, 3, 5, 7], [4096], [65536, 1, 188]]) {
    test(`cuts the sample stream into its 300 frames, byte for byte (chunks ${chunks})`, () => {
      const aus = split(stream, chunks);
      assert.equal(aus.length, sampleFrames.length);
      aus.forEach((au, i) => assert.deepEqual(au, sampleFrames[i], `frame ${i + 1}`));
    });
  }

  test("starts a new access unit at an AUD, and not at a slice with first_mb_in_slice > 0", () => {
    // first_mb_in_slice: bit 1 = 0 (new picture); bits 010 = 1 (same picture, second slice).
    const first = bytes(aud, sliceAt(0x80), sliceAt(0x40));
    const second = bytes(aud, sliceAt(0x80, [0, 0, 0, 1]), sliceAt(0x40));
    const third = bytes(sliceAt(0x80, [0, 0, 0, 1]), sliceAt(0x40));
    const aus = split(bytes([...first], [...second], [...third]), [3]);
    assert.deepEqual(aus, [first, second, third]);
  });

  test("skips bytes before the first start code and a trailing piece without a picture", () => {
    const au = bytes(sliceAt(0x80, [0, 0, 0, 1]));
    assert.deepEqual(split(bytes([0xff, 0x12], [...au], [0, 0, 0, 1, 0x67, 0x42]), [2]), [au]);
  });

  test("an access unit beyond the size limit is an error, and the splitter recovers", () => {
    const splitter = new AccessUnitSplitter({ maxAccessUnitBytes: 100 });
    assert.throws(
      () => splitter.push(bytes(sliceAt(0x80), new Array(200).fill(7))),
      /access unit exceeds 100 bytes/,
    );
    const au = bytes(sliceAt(0x80, [0, 0, 0, 1]));
    assert.deepEqual(split(bytes([...au], [...au]), [5], splitter), [au, au]);
  });

  test("after an oversized access unit, drops its remaining slices up to the next picture", () => {
    const splitter = new AccessUnitSplitter({ maxAccessUnitBytes: 100 });
    assert.throws(() => splitter.push(bytes(sliceAt(0x80), new Array(200).fill(7))), /exceeds/);
    const au = bytes(sliceAt(0x80, [0, 0, 0, 1]));
    const rest = bytes(sliceAt(0x40), new Array(20).fill(7));
    assert.deepEqual(split(bytes([...rest], [...au], [...au]), [7], splitter), [au, au]);
  });
});
