import { test } from "node:test";
import assert from "node:assert/strict";
import { opusHead } from "../../core/opus/opus-head.ts";
import { isOpusHeaderPacket } from "../../core/opus/opus-packet.ts";

test("OpusHead carries version 1, the channels, the pre-skip and 48 kHz, little-endian", () => {
  const head = opusHead(2, 312);
  assert.equal(head.length, 19);
  assert.ok(isOpusHeaderPacket(head));
  assert.deepEqual([...head.subarray(8)], [1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
});
