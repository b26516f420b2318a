import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { oggCrc, OggPacketReader, oggPackets } from "../../core/opus/ogg-packets.ts";
import { OggOpusReader } from "../../core/opus/ogg-opus-reader.ts";

// 100 ms of a 1 kHz tone, Ogg Opus from ffmpeg/libopus: OpusHead, OpusTags, six audio packets.
const fixture = new Uint8Array(
  readFileSync(new URL("./fixtures/tone-100ms.opus", import.meta.url)),
);

/** Feeds `bytes` to `push` in chunks of `size`; returns all it gave back. */
function inChunks<T>(bytes: Uint8Array, size: number, push: (chunk: Uint8Array) => T[]): T[] {
  const out: T[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...push(bytes.slice(at, at + size)));
  return out;
}

describe("Ogg read as it arrives", () => {
  for (const size of [1, 7, 100, 4096]) {
    test(`in chunks of ${size} bytes, the packets are those of the whole stream`, () => {
      const reader = new OggPacketReader();
      const packets = inChunks(fixture, size, (c) => reader.push(c)).map((p) => p.data);
      assert.deepEqual(packets, [...oggPackets(fixture)].map((p) => p.data));
      assert.equal(reader.held, 0, "nothing held after the last page");
    });
  }

  test("it holds no more than the page that has not all arrived", () => {
    const reader = new OggPacketReader();
    reader.push(fixture.subarray(0, 20));
    assert.equal(reader.held, 20);
  });

  test("bytes that are not Ogg fail at once, naming the byte", () => {
    assert.throws(
      () => new OggPacketReader().push(new Uint8Array([0, 0, 0, 1])),
      /capture.*byte 0/,
    );
    const reader = new OggPacketReader();
    reader.push(fixture);
    assert.throws(() => reader.push(new Uint8Array([0x4f, 0x67, 0x00])), /capture pattern at byte/);
  });

  test("a packet over the bound fails", () => {
    assert.throws(() => new OggPacketReader(50).push(fixture), /over the 50-byte bound/);
  });
});

describe("Ogg Opus read as it arrives", () => {
  test("gives the audio packets only, leaving out OpusHead and OpusTags", () => {
    const reader = new OggOpusReader(1 << 16);
    const packets = inChunks(fixture, 33, (c) => reader.push(c));
    assert.deepEqual(packets.map((p) => p.length), [81, 62, 59, 60, 63, 56]);
  });

  test("an Ogg stream whose first packet is no OpusHead is not Ogg Opus", () => {
    const notOpus = fixture.slice();
    notOpus.set([0x58], 28); // "OpusHead" -> "XpusHead"; the CRC is fixed below
    const view = new DataView(notOpus.buffer);
    const pageSize = 27 + notOpus[26] +
      notOpus.subarray(27, 27 + notOpus[26]).reduce((a, b) => a + b, 0);
    view.setUint32(22, oggCrc(notOpus.subarray(0, pageSize)), true);
    assert.throws(() => new OggOpusReader(1 << 16).push(notOpus), /not an OpusHead/);
  });
});
