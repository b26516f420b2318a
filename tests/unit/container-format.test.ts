import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { containerFormatOf } from "../../core/container/container-format.ts";
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

  test("Annex-B H.264, an empty file and other bytes are no container", () => {
    assert.equal(containerFormatOf(sampleFrames[0].subarray(0, 12)), undefined);
    assert.equal(containerFormatOf(new Uint8Array()), undefined);
    assert.equal(containerFormatOf(new Uint8Array(ascii("RIFF....WAVE"))), undefined);
  });
});
