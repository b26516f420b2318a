import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { VideoIngest } from "../../core/media/video-ingest.ts";
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

describe("media frames", () => {
  test("a video frame is planned once, with its keyframe flag and payload size", () => {
    const frame = videoFrame(sampleFrames[0], 0);
    assert.equal(frame.keyframe, true);
    assert.equal(videoFrame(sampleFrames[1], frameUs).keyframe, false);
    assert.ok(frame.plans.length > 1);
    assert.equal(frame.payloadBytes, frame.plans.reduce((n, p) => n + p.size, 0));
    assert.ok(frame.plans.every((p) => p.size <= 1188));
  });

  test("video ingest puts the stream's SPS and PPS in front of a keyframe that lacks them", () => {
    const ingest = new VideoIngest();
    const first = ingest.frame(sampleFrames[0], 0);
    assert.equal(ingest.sps?.width, 640);
    assert.equal(ingest.sps?.height, 480);
    assert.match(ingest.profileLevelId ?? "", /^42/);
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
