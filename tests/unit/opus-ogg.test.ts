import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { oggPackets } from "../../core/opus/ogg-packets.ts";
import { isOpusHeaderPacket, opusPacketSamples } from "../../core/opus/opus-packet.ts";
import { sampleOpusPackets } from "./support/samples.ts";

// 100 ms of a 1 kHz tone, Ogg Opus from ffmpeg/libopus; packet sizes as ffprobe lists them.
const fixture = new Uint8Array(
  readFileSync(new URL("./fixtures/tone-100ms.opus", import.meta.url)),
);

describe("Ogg Opus packets", () => {
  test("reads OpusHead, OpusTags, then the audio packets ffprobe lists", () => {
    const packets = [...oggPackets(fixture)].map((p) => p.data);
    assert.deepEqual(packets.slice(0, 2).map(isOpusHeaderPacket), [true, true]);
    assert.deepEqual(packets.slice(2).map((p) => p.length), [81, 62, 59, 60, 63, 56]);
    assert.ok(packets.slice(2).every((p) => !isOpusHeaderPacket(p)));
  });

  test("a corrupted page fails its CRC check, naming the byte", () => {
    const bad = fixture.slice();
    bad[40] ^= 1;
    assert.throws(() => [...oggPackets(bad)], /Ogg page CRC mismatch at byte 0/);
    assert.throws(() => [...oggPackets(fixture.subarray(0, 30))], /truncated Ogg page/);
  });

  test("the sample packets are 20 ms each: 960 samples at 48 kHz", () => {
    assert.ok(sampleOpusPackets.length >= 500);
    for (const packet of sampleOpusPackets) assert.equal(opusPacketSamples(packet), 960);
  });

  const tocCases = [
    { toc: [0x08], samples: 960, what: "SILK 20 ms, one frame" },
    { toc: [0x18], samples: 2880, what: "SILK 60 ms" },
    { toc: [0x61], samples: 960, what: "hybrid 10 ms, two frames" },
    { toc: [0x83], samples: 120 * 6, what: "CELT 2.5 ms, code 3 with six frames", extra: [6] },
    { toc: [0xfc], samples: 960, what: "CELT 20 ms" },
  ];
  for (const c of tocCases) {
    test(`the TOC byte gives the packet duration: ${c.what}`, () => {
      assert.equal(opusPacketSamples(new Uint8Array([...c.toc, ...(c.extra ?? [])])), c.samples);
    });
  }
});
