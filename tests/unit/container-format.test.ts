import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { containerFormatOf } from "../../core/container/container-format.ts";
import { annexBCodecOf } from "../../core/annexb/annex-b-codec.ts";
import { sampleFrames } from "./support/samples.ts";

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe("container format by magic bytes", () => {
  test("an ISO BMFF file (MP4, MOV) starts with a box such as ftyp or moov", () => {
    assert.equal(containerFormatOf(new Uint8Array([0, 0, 0, 0x20, ...ascii("ftypisom")])), "MP4");
    assert.equal(containerFormatOf(new Uint8Array([0, 0, 0, 8, ...ascii("wide")])), "MP4");
  });

  test("a Matroska or WebM file starts with the EBML header ID", () => {
    assert.equal(
      containerFormatOf(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42])),
      "Matroska",
    );
  });

  test("MPEG-TS is 188-byte packets starting with 0x47; Ogg starts with OggS", () => {
    const ts = new Uint8Array(376);
    ts[0] = ts[188] = 0x47;
    assert.equal(containerFormatOf(ts), "MPEG-TS");
    assert.equal(containerFormatOf(ts.subarray(0, 100)), "MPEG-TS", "a head of one packet");
    ts[188] = 0;
    assert.equal(containerFormatOf(ts), undefined, "no second sync byte");
    assert.equal(containerFormatOf(new Uint8Array(ascii("OggS\0\x02"))), "Ogg");
  });

  test("IVF (VP8 frames) starts with DKIF", () => {
    assert.equal(containerFormatOf(new Uint8Array([...ascii("DKIF"), 0, 0, 32, 0])), "IVF");
  });

  test("Annex-B H.264, an empty file and other bytes are no container", () => {
    assert.equal(containerFormatOf(sampleFrames[0].subarray(0, 12)), undefined);
    assert.equal(containerFormatOf(new Uint8Array()), undefined);
    assert.equal(containerFormatOf(new Uint8Array(ascii("RIFF....WAVE"))), undefined);
  });
});

describe("Annex-B codec by the first NAL unit", () => {
  const stream = (...bytes: number[]) => new Uint8Array([0, 0, 0, 1, ...bytes]);

  test("H.265 opens with a VPS, SPS, PPS, AUD or prefix SEI header ending in 01", () => {
    for (const first of [0x40, 0x42, 0x44, 0x46, 0x4e]) {
      assert.equal(annexBCodecOf(stream(first, 0x01, 0x0c)), "h265", first.toString(16));
    }
  });

  test("H.264 opens with an SPS, PPS, AUD or SEI", () => {
    assert.equal(annexBCodecOf(sampleFrames[0]), "h264");
    for (const first of [0x67, 0x27, 0x68, 0x09, 0x06]) {
      assert.equal(annexBCodecOf(stream(first, 0x42, 0x00)), "h264", first.toString(16));
    }
  });

  test("a stream that opens with a slice, or has no NAL unit, cannot be told", () => {
    assert.equal(annexBCodecOf(stream(0x41, 0x9a)), undefined, "an H.264 P slice");
    assert.equal(annexBCodecOf(stream(0x02, 0x01)), undefined, "an H.265 trailing picture");
    assert.equal(annexBCodecOf(stream(0xc0, 0x01)), undefined, "the forbidden bit");
    assert.equal(annexBCodecOf(new Uint8Array([1, 2, 3])), undefined);
  });
});
