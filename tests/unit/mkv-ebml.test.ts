import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import {
  EbmlId,
  element,
  idBytes,
  openElement,
  sizeVint,
  stringElement,
  uintElement,
} from "../../core/mkv/ebml.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("EBML writer", () => {
  test("an element ID is written with the length its leading bits give", () => {
    assert.equal(hex(idBytes(EbmlId.simpleBlock)), "a3");
    assert.equal(hex(idBytes(EbmlId.codecPrivate)), "63a2");
    assert.equal(hex(idBytes(EbmlId.timecodeScale)), "2ad7b1");
    assert.equal(hex(idBytes(EbmlId.cluster)), "1f43b675");
  });

  test("a size takes the shortest vint that is not the all-ones unknown size", () => {
    assert.equal(hex(sizeVint(0)), "80");
    assert.equal(hex(sizeVint(126)), "fe");
    assert.equal(hex(sizeVint(127)), "407f", "0xff would mean unknown");
    assert.equal(hex(sizeVint(16_382)), "7ffe");
    assert.equal(hex(sizeVint(16_383)), "203fff");
    assert.throws(() => sizeVint(-1), RangeError);
  });

  test("elements nest as pieces and keep a child's bytes uncopied", () => {
    const frame = Uint8Array.of(1, 2, 3);
    const pieces = element(EbmlId.simpleBlock, [frame]);
    assert.ok(pieces.includes(frame));
    assert.equal(hex(concatBytes(pieces)), "a383010203");
    assert.equal(hex(concatBytes(uintElement(EbmlId.trackNumber, 1))), "d78101");
    assert.equal(
      hex(concatBytes(uintElement(EbmlId.timecode, 1_700_000_000_000n))),
      "e786018bcfe56800",
    );
    assert.equal(
      hex(concatBytes(stringElement(EbmlId.docType, "matroska"))),
      "4282886d6174726f736b61",
    );
    assert.equal(hex(openElement(EbmlId.segment)), "1853806701ffffffffffffff");
  });
});
