import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { type DepacketizedAccessUnit, H264Depacketizer } from "../../core/rtp/h264-depacketizer.ts";
import { NackGenerator } from "../../core/media/receive/nack-generator.ts";
import { sampleFrames } from "./support/samples.ts";
import { nalUnitBytes, packetizeFrames, type SentPacket } from "./support/rtp-stream.ts";

/** Feeds packets (at 1 ms each) and returns what came out. */
function feed(depacketizer: H264Depacketizer, packets: readonly SentPacket[], now = 0) {
  const out: DepacketizedAccessUnit[] = [];
  packets.forEach((p, i) => out.push(...depacketizer.push(parseRtpPacket(p.bytes), now + i)));
  return out;
}

/** Asserts the access units are the given sample frames: same NAL units, 4-byte start codes. */
function assertFrames(out: DepacketizedAccessUnit[], frames: number[]) {
  assert.equal(out.length, frames.length, "number of access units");
  out.forEach((au, i) => {
    const source = sampleFrames[frames[i]];
    assert.deepEqual(nalUnitBytes(au.data), nalUnitBytes(source), `frame ${frames[i] + 1}`);
    const sizes = nalUnitBytes(au.data).reduce((sum, n) => sum + 4 + n.length, 0);
    assert.equal(au.data.length, sizes, "only 4-byte start codes");
    assert.equal(au.keyframe, frames[i] % 30 === 0);
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A fixed pseudo-random order: each packet moves up to `depth` places. */
function shuffleLocally<T>(items: readonly T[], depth: number, seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = Math.min(out.length - 1, i + (state % (depth + 1)));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe("H.264 depacketizer: packetize -> depacketize round trips over the sample frames", () => {
  for (const maxPayload of [1200, 300]) {
    test(`gives back all 300 frames byte-identical, in order (max payload ${maxPayload})`, () => {
      const packets = packetizeFrames(sampleFrames, { maxPayload, firstSequenceNumber: 65000 });
      const depacketizer = new H264Depacketizer();
      const out = feed(depacketizer, packets);
      assertFrames(out, range(0, 300));
      assert.deepEqual(depacketizer.missingSequenceNumbers(), []);
      assert.equal(depacketizer.keyframeNeeded, false);
      assert.equal(out[0].firstSequenceNumber, 65000);
    });
  }

  test("puts reordered packets back in sequence order, ignoring duplicates", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 60));
    const shuffled = shuffleLocally(packets, 6);
    shuffled.splice(40, 0, shuffled[10], shuffled[30]); // two duplicates
    const depacketizer = new H264Depacketizer();
    assertFrames(feed(depacketizer, shuffled), range(0, 60));
    assert.equal(depacketizer.stats.duplicatePackets + depacketizer.stats.latePackets, 2);
  });
});

describe("H.264 depacketizer: loss, NACK and keyframe requests", () => {
  test("lists lost packets for NACK, then completes every frame from the retransmissions", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 40));
    const lost = new Set([3, 4, 20, 57]); // FU-A fragments of the keyframe, later slices
    const seq = (i: number) => parseRtpPacket(packets[i].bytes).sequenceNumber;
    const depacketizer = new H264Depacketizer();
    const first = feed(depacketizer, packets.filter((_, i) => !lost.has(i)));
    assert.equal(first.length, 0, "nothing comes out past the hole in the first frame");
    assert.deepEqual(depacketizer.missingSequenceNumbers(), [...lost].map(seq));
    const nacks = new NackGenerator();
    const nackDue = (now: number) => nacks.due(depacketizer.missingSequenceNumbers(), now);
    assert.deepEqual(nackDue(100), [...lost].map(seq));
    assert.deepEqual(nackDue(150), [], "not asked again before the interval");
    assert.deepEqual(nackDue(200), [...lost].map(seq), "asked again after it");
    const out = feed(depacketizer, [...lost].map((i) => packets[i]), 300);
    assertFrames(out, range(0, 40));
    assert.deepEqual(depacketizer.missingSequenceNumbers(), []);
    assert.equal(depacketizer.keyframeNeeded, false);
  });

  test("gives up a frame that stays incomplete, asks for a keyframe, resumes at the next one", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 62));
    const lostFrame = 5;
    const lostIndex = packets.findIndex((p) => p.frame === lostFrame);
    const depacketizer = new H264Depacketizer({ maxWaitMs: 500 });
    const before = feed(depacketizer, packets.slice(0, lostIndex), 0);
    assertFrames(before, range(0, lostFrame));
    const keyIndex = packets.findIndex((p) => p.frame === 30);
    const after = feed(depacketizer, packets.slice(lostIndex + 1, keyIndex), 1000);
    assert.equal(after.length, 0, "frames 6-30 depend on the lost one: none comes out");
    assert.equal(depacketizer.keyframeNeeded, false, "still waiting for a retransmission");
    assert.deepEqual(depacketizer.poll(1000 + 500 + keyIndex), []);
    assert.equal(depacketizer.keyframeNeeded, true, "gave the frame up: needs a keyframe");
    assert.ok(depacketizer.stats.droppedFrames >= 25);
    // The lost packet arriving now is too late and changes nothing.
    assert.deepEqual(feed(depacketizer, [packets[lostIndex]], 3000), []);
    assertFrames(feed(depacketizer, packets.slice(keyIndex), 4000), range(30, 62));
    assert.equal(depacketizer.keyframeNeeded, false, "the keyframe arrived");
  });

  test("joining mid-stream: no output and a keyframe request until a keyframe arrives", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 35)).filter((p) => p.frame >= 10);
    const depacketizer = new H264Depacketizer();
    const out: DepacketizedAccessUnit[] = [];
    let sawRequest = false;
    packets.forEach((p, i) => {
      out.push(...depacketizer.push(parseRtpPacket(p.bytes), i));
      sawRequest ||= depacketizer.keyframeNeeded;
    });
    assert.ok(sawRequest, "asked for a keyframe while it had only P-frames");
    assertFrames(out, range(30, 35));
    assert.equal(depacketizer.keyframeNeeded, false);
  });

  test("a malformed FU-A (start missing within a complete sequence) drops the frame", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 3), { maxPayload: 500 });
    const fuStart = packets.findIndex((p) => p.frame === 1);
    const broken = packets.map((p) => ({ ...p, bytes: p.bytes.slice() }));
    broken[fuStart].bytes[13] &= 0x7f; // clear the S bit of frame 2's first FU-A
    const depacketizer = new H264Depacketizer();
    const out = feed(depacketizer, broken);
    assertFrames(out, [0]);
    assert.equal(depacketizer.keyframeNeeded, true);
    assert.equal(depacketizer.stats.droppedFrames, 2);
  });

  test("memory stays bounded when packets keep coming behind a hole", () => {
    const packets = packetizeFrames(sampleFrames, { maxPayload: 200 });
    const depacketizer = new H264Depacketizer({ maxBufferedPackets: 256, maxWaitMs: 1e9 });
    feed(depacketizer, packets.slice(1));
    assert.ok(depacketizer.missingSequenceNumbers().length <= 256);
    assert.ok(depacketizer.stats.accessUnits > 0, "resumed at a later keyframe");
  });
});

describe("H.264 depacketizer: padding", () => {
  test("padding-only packets (a sender's bandwidth probe) make no frame and break none", () => {
    const packets = packetizeFrames(sampleFrames.slice(0, 10)).map((p) => p.bytes);
    const afterFrame4 = packetizeFrames(sampleFrames.slice(0, 5)).length;
    const { timestamp } = parseRtpPacket(packets[afterFrame4 - 1]);
    const padding = Array.from({ length: 3 }, () => {
      const bytes = new Uint8Array(12 + 4);
      bytes.set(packets[afterFrame4 - 1].subarray(0, 12));
      bytes[0] = 0xa0; // version 2, padding
      bytes[1] &= 0x7f; // no marker
      bytes[15] = 4; // the padding's length, itself included
      return bytes;
    });
    packets.splice(afterFrame4, 0, ...padding);
    packets.forEach((bytes, i) => { // renumber: the padding takes sequence numbers
      bytes[2] = ((1000 + i) >> 8) & 0xff;
      bytes[3] = (1000 + i) & 0xff;
    });
    assert.equal(parseRtpPacket(padding[0]).timestamp, timestamp);
    assert.equal(parseRtpPacket(padding[0]).payload.length, 0);
    const depacketizer = new H264Depacketizer();
    const out = feed(depacketizer, packets.map((bytes) => ({ frame: 0, bytes })));
    assertFrames(out, range(0, 10));
    assert.equal(depacketizer.stats.droppedFrames, 0);
    assert.deepEqual(depacketizer.missingSequenceNumbers(), []);
  });
});
