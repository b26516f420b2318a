import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing, type LostFrames } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { VideoIngest } from "../../core/media/video-ingest.ts";
import { defaultMaxPayload, payloadPlans } from "../../core/media/send/payload-plans.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { streamProfileLevelId } from "../../core/sdp/h264-format.ts";
import { concatBytes, sampleFrames, sampleOpusPackets } from "./support/samples.ts";
import { nalUnitBytes } from "./support/rtp-stream.ts";

const frameUs = 33_333;

function ringOf(count: number, options = {}) {
  const ring = new FrameRing("video", options);
  for (let i = 0; i < count; i++) ring.push(videoFrame(sampleFrames[i], i * frameUs));
  return ring;
}

describe("frame ring", () => {
  test("keeps the retransmit window and everything from the newest keyframe", () => {
    // Sample keyframes are every 30 frames; window 0.5 s = 15 frames.
    const ring = ringOf(50, { windowUs: 500_000 });
    assert.equal(ring.newestKeyframe?.index, 30);
    assert.equal(ring.get(29), undefined, "older than both the window and the keyframe");
    assert.equal(ring.get(30)?.bytes, sampleFrames[30], "same bytes, not a copy");
    assert.equal(ring.size, 20);
  });

  test("keeps the window when the newest keyframe is recent", () => {
    const ring = ringOf(35, { windowUs: 500_000 });
    assert.equal(ring.newestKeyframe?.index, 30);
    assert.ok(ring.get(35 - 16) !== undefined, "the 0.5 s window is kept");
    assert.equal(ring.get(35 - 17), undefined);
  });

  test("never holds more than its byte budget, even if that drops the GOP cache", () => {
    const ring = ringOf(60, { windowUs: 10_000_000, maxBytes: 100_000 });
    assert.ok(ring.bytes <= 100_000, `${ring.bytes} bytes held`);
    assert.ok(ring.size >= 1);
    assert.equal(ring.newest?.index, 59);
  });

  test("finds the first keyframe at or after an index", () => {
    const ring = ringOf(70, { windowUs: 10_000_000 });
    assert.equal(ring.keyframeFrom(1)?.index, 30);
    assert.equal(ring.keyframeFrom(30)?.index, 30);
    assert.equal(ring.keyframeFrom(61), undefined);
  });

  test("refuses a frame of the other kind or from the past", () => {
    const ring = ringOf(2);
    assert.throws(() => ring.push(audioFrame(sampleOpusPackets[0], 10 * frameUs)), /audio frame/);
    assert.throws(() => ring.push(videoFrame(sampleFrames[2], 0)), /before the newest/);
  });
});

describe("frame ring holders", () => {
  test("two holders with different windows: the ring keeps the union, then lets go", () => {
    const ring = new FrameRing("video", { windowUs: 500_000 });
    const longer = ring.holdWindow("longer window", 1_500_000);
    for (let i = 0; i < 50; i++) ring.push(videoFrame(sampleFrames[i], i * frameUs));
    assert.equal(ring.retransmitWindow.from, 34, "0.5 s behind frame 49");
    assert.equal(longer.from, 4, "1.5 s behind frame 49");
    assert.equal(ring.oldestIndex, 4, "the longer window's frames are all kept");
    longer.release();
    assert.equal(ring.oldestIndex, 30, "then the GOP cache from keyframe 30 (and the window)");
    assert.equal(ring.holderCount, 1);
  });

  test("a holder keeps everything from its index until it moves on", () => {
    const ring = new FrameRing("video", { windowUs: 100_000 });
    const producer = ring.hold("producer");
    for (let i = 0; i < 50; i++) ring.push(videoFrame(sampleFrames[i], i * frameUs));
    assert.equal(ring.oldestIndex, 0);
    producer.holdFrom(20);
    assert.equal(ring.oldestIndex, 20, "acknowledged frames go at once");
    assert.throws(() => producer.holdFrom(10), /cannot move back/);
    producer.release();
    assert.equal(ring.oldestIndex, 30);
    assert.throws(() => producer.holdFrom(40), /released/);
  });

  test("a holder that falls behind the byte cap is told what it lost; the others are unharmed", () => {
    const ring = new FrameRing("video", { windowUs: 500_000, maxBytes: 200_000 });
    const stuck = ring.hold("stuck producer");
    const told: LostFrames[] = [];
    stuck.onLost = (lost) => told.push(lost);
    for (let i = 0; i < 60; i++) ring.push(videoFrame(sampleFrames[i], i * frameUs));
    assert.ok(ring.bytes <= 200_000, `${ring.bytes} bytes held`);
    assert.ok(ring.oldestIndex > 0 && ring.oldestIndex <= 30, "the GOP cache fits the cap");
    assert.equal(stuck.lostFrames, ring.oldestIndex, "every frame it lost, counted");
    assert.equal(told[0].first, 0);
    told.forEach((lost, i) => i > 0 && assert.equal(lost.first, told[i - 1].end, "contiguous"));
    assert.equal(told.at(-1)!.end, ring.oldestIndex);
    assert.equal(stuck.from, ring.oldestIndex, "it moves on past what it lost");
    assert.equal(ring.retransmitWindow.lostFrames, 0, "the retransmit window lost nothing");
    for (let i = ring.retransmitWindow.from; i < 60; i++) assert.ok(ring.get(i));
  });

  test("frames are handed out as the very bytes pushed, and plans view those bytes", () => {
    const ring = ringOf(60, { windowUs: 10_000_000 });
    for (let i = 0; i < 60; i++) assert.equal(ring.get(i)!.bytes, sampleFrames[i]);
    const frame = ring.get(31)!;
    const views = payloadPlans(frame, defaultMaxPayload).flatMap((p) => p.pieces)
      .filter((piece) => piece.length > 3); // not the FU-A and STAP-A headers
    assert.ok(views.length > 0);
    assert.ok(views.every((piece) => piece.buffer === sampleFrames[31].buffer), "no copies");
  });
});

describe("media frames", () => {
  test("a video frame carries its keyframe flag and NAL units; audio has none", () => {
    const frame = videoFrame(sampleFrames[0], 0);
    assert.equal(frame.keyframe, true);
    assert.equal(videoFrame(sampleFrames[1], frameUs).keyframe, false);
    assert.deepEqual(frame.nalUnits, findNalUnits(sampleFrames[0]));
    assert.deepEqual(audioFrame(sampleOpusPackets[0], 0).nalUnits, []);
  });

  test("RTP payload plans are made on first use, once per payload size, and shared", () => {
    const frame = videoFrame(sampleFrames[0], 0);
    const plans = payloadPlans(frame, defaultMaxPayload);
    assert.ok(plans.length > 1);
    assert.ok(plans.every((p) => p.size <= 1188));
    const nalBytes = frame.nalUnits.reduce((n, nal) => n + nal.length, 0);
    assert.ok(plans.reduce((n, p) => n + p.size, 0) >= nalBytes, "every NAL unit byte planned");
    assert.equal(payloadPlans(frame, defaultMaxPayload), plans, "the second asker: same array");
    const small = payloadPlans(frame, 500);
    assert.notEqual(small, plans);
    assert.ok(small.length > plans.length && small.every((p) => p.size <= 500));
    assert.equal(payloadPlans(frame, 500), small);
    const audio = audioFrame(sampleOpusPackets[0], 0);
    assert.deepEqual(payloadPlans(audio, defaultMaxPayload)[0].pieces, [sampleOpusPackets[0]]);
  });

  test("video ingest puts the stream's SPS and PPS in front of a keyframe that lacks them", () => {
    const ingest = new VideoIngest();
    const first = ingest.frame(sampleFrames[0], 0);
    assert.equal(ingest.sps?.width, 640);
    assert.equal(ingest.sps?.height, 480);
    assert.match(streamProfileLevelId(ingest.sps), /^42/);
    const [sps, pps, ...rest] = nalUnitBytes(sampleFrames[30]);
    assert.deepEqual([sps[0] & 0x1f, pps[0] & 0x1f], [7, 8]);
    const bare = concatBytes(rest.flatMap((nal) => [new Uint8Array([0, 0, 0, 1]), nal]));
    const fixed = ingest.frame(bare, frameUs * 30);
    assert.equal(fixed.keyframe, true);
    assert.deepEqual(nalUnitBytes(fixed.bytes), nalUnitBytes(sampleFrames[30]));
    assert.equal(ingest.frame(sampleFrames[1], frameUs).bytes, sampleFrames[1], "no copy");
    assert.equal(first.bytes, sampleFrames[0]);
  });

  test("video ingest refuses an access unit without NAL units", () => {
    assert.throws(() => new VideoIngest().frame(new Uint8Array([1, 2, 3]), 0), /without NAL/);
  });
});
