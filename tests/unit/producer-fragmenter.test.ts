import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing, type RingFrame } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { Fragmenter, type OutgoingFragment } from "../../core/producer/fragmenter.ts";
import { sampleFrames, sampleOpusPackets } from "./support/samples.ts";

const startWallMs = 1_700_000_000_000;
const frameUs = 33_333;
/** The sample's keyframes: every 30th frame. */
const keyframe = sampleFrames[0];
const delta = sampleFrames[1];

function cut(frames: RingFrame[], options = {}) {
  const fragmenter = new Fragmenter({ startWallMs, ...options });
  const fragments: OutgoingFragment[] = [];
  for (const frame of frames) {
    const step = fragmenter.push(frame);
    if (step.started) fragments.push(step.started);
  }
  return { fragmenter, fragments };
}

/** Video frames at the given times (µs), keyframes where `keyAt` says. */
function videoAt(timesUs: number[], keyAt: (timeUs: number) => boolean): RingFrame[] {
  const ring = new FrameRing("video", { windowUs: 60_000_000 });
  return timesUs.map((t) => ring.push(videoFrame(keyAt(t) ? keyframe : delta, t)));
}

describe("fragmenter", () => {
  test("starts a fragment at each of the sample's keyframes, with absolute timecodes", () => {
    const ring = new FrameRing("video", { windowUs: 60_000_000 });
    const frames = sampleFrames.map((bytes, i) => ring.push(videoFrame(bytes, i * frameUs)));
    const { fragments, fragmenter } = cut(frames);
    assert.equal(fragments.length, sampleFrames.length / 30);
    assert.deepEqual(
      fragments.map((f) => f.timecodeMs),
      fragments.map((_, i) => startWallMs + Math.round((i * 30 * frameUs) / 1000)),
    );
    assert.ok(fragments.every((f) => f.frames.length === 30 && f.frames[0].keyframe));
    assert.ok(fragments.slice(0, -1).every((f) => f.complete), "each ended by the next keyframe");
    assert.equal(fragmenter.open, fragments.at(-1), "the last one stays open");
    assert.equal(fragments[1].frames[0], frames[30], "the ring's own frame, not a copy");
    assert.equal(fragments[0].bytes, frames.slice(0, 30).reduce((n, f) => n + f.bytes.length, 0));
  });

  test("a GOP past the maximum ends its fragment there; frames until the next keyframe are dropped", () => {
    // A keyframe at 0 s and at 12 s, a frame every 500 ms.
    const times = Array.from({ length: 30 }, (_, i) => i * 500_000);
    const { fragments, fragmenter } = cut(videoAt(times, (t) => t % 12_000_000 === 0), {
      maxFragmentMs: 4_000,
    });
    assert.deepEqual(fragments.map((f) => f.timecodeMs), [startWallMs, startWallMs + 12_000]);
    assert.equal(fragments[0].frames.length, 8, "0 to 3.5 s");
    assert.ok(fragments[0].complete);
    assert.equal(fragmenter.skipped.overLongGop, 24 - 8, "4 s to 11.5 s");
  });

  test("keyframes closer than the minimum share a fragment (AWS takes 5 fragments a second)", () => {
    const times = Array.from({ length: 20 }, (_, i) => i * 50_000);
    const { fragments } = cut(videoAt(times, (t) => t % 100_000 === 0), { minFragmentMs: 200 });
    assert.deepEqual(
      fragments.map((f) => f.timecodeMs - startWallMs),
      [0, 200, 400, 600, 800],
    );
  });

  test("audio joins the open fragment; audio before the first keyframe or before its cluster is skipped", () => {
    const video = new FrameRing("video");
    const audio = new FrameRing("audio");
    const fragmenter = new Fragmenter({ startWallMs });
    const early = audio.push(audioFrame(sampleOpusPackets[0], 0));
    assert.deepEqual(fragmenter.push(early), {});
    const key = video.push(videoFrame(keyframe, 40_000));
    const started = fragmenter.push(key).started!;
    const late = audio.push(audioFrame(sampleOpusPackets[1], 20_000));
    const onTime = audio.push(audioFrame(sampleOpusPackets[2], 40_000));
    assert.deepEqual(fragmenter.push(late), {});
    assert.equal(fragmenter.push(onTime).into, started);
    assert.deepEqual(started.frames, [key, onTime]);
    assert.deepEqual(fragmenter.skipped, { beforeKeyframe: 1, overLongGop: 0, late: 1 });
  });

  test("refuses a maximum not above the minimum, in one line", () => {
    assert.throws(
      () => new Fragmenter({ startWallMs, maxFragmentMs: 100, minFragmentMs: 200 }),
      /maximum fragment duration of 100 ms is not above the minimum 200 ms/,
    );
  });
});
