import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { avcDecoderConfigurationRecord } from "../../core/h264/avcc.ts";
import { FrameRing, type RingFrame } from "../../core/media/frame-ring.ts";
import { audioFrame, parameterSets, videoFrame } from "../../core/media/media-frame.ts";
import { endOfFragmentTag } from "../../core/mkv/mkv-writer.ts";
import { opusHead } from "../../core/opus/opus-head.ts";
import { Fragmenter } from "../../core/producer/fragmenter.ts";
import {
  blockPieces,
  fragmentEnd,
  fragmentStart,
  uploadHeader,
  uploadTracks,
} from "../../core/producer/fragment-pieces.ts";
import { avccNalUnits, readMkvBody } from "./support/mkv-read.ts";
import { concatBytes, sampleFrames, sampleOpusPackets } from "./support/samples.ts";

const startWallMs = 1_700_000_000_000;

/** Three seconds of the sample, video and Opus interleaved by time, through rings. */
function sampleRingFrames(): RingFrame[] {
  const video = new FrameRing("video", { windowUs: 60_000_000 });
  const audio = new FrameRing("audio", { windowUs: 60_000_000 });
  const frames: RingFrame[] = [];
  let a = 0;
  for (let v = 0; v < 90; v++) {
    const timeUs = v * 33_333;
    while (a * 20_000 < timeUs) {
      frames.push(audio.push(audioFrame(sampleOpusPackets[a], a * 20_000)));
      a++;
    }
    frames.push(video.push(videoFrame(sampleFrames[v], timeUs)));
  }
  return frames;
}

/** The pieces of a body of `frames`: header, then each fragment's Cluster and Tags. */
function body(frames: RingFrame[]) {
  const fragmenter = new Fragmenter({ startWallMs });
  const pieces: Uint8Array[] = [];
  for (const frame of frames) {
    const step = fragmenter.push(frame);
    if (step.ended) pieces.push(...fragmentEnd());
    if (step.started) {
      if (pieces.length === 0) pieces.push(...uploadHeader(uploadTracks(frame, 2)));
      pieces.push(...fragmentStart(step.started));
    }
    if (step.into) pieces.push(...blockPieces(step.into, frame, fragmenter.timecodeMs(frame)));
  }
  pieces.push(...fragmentEnd());
  return { pieces, fragmenter };
}

describe("producer fragment pieces", () => {
  test("read back, the body gives every frame's NAL units, times and the stream's avcC", () => {
    const frames = sampleRingFrames();
    const { pieces, fragmenter } = body(frames);
    const read = readMkvBody(concatBytes(pieces));
    assert.equal(read.headers, 1);
    const { sps, pps } = parameterSets(sampleFrames[0], videoFrame(sampleFrames[0], 0).nalUnits);
    assert.deepEqual(read.codecPrivates, [avcDecoderConfigurationRecord(sps!, pps!), opusHead(2)]);
    assert.equal(read.clusters.length, 3, "one per GOP");
    assert.ok(read.clusters.every((c) => c.tags.includes(endOfFragmentTag)));
    const blocks = read.clusters.flatMap((c) =>
      c.blocks.map((b) => ({ ...b, timecodeMs: c.timecodeMs + b.offsetMs }))
    );
    // The first keyframe comes first: no frame is skipped.
    assert.deepEqual(fragmenter.skipped, { beforeKeyframe: 0, overLongGop: 0, late: 0 });
    assert.equal(blocks.length, frames.length);
    blocks.forEach((block, i) => {
      const frame = frames[i];
      assert.equal(block.timecodeMs, fragmenter.timecodeMs(frame), `frame ${i} time`);
      assert.equal(block.track, frame.kind === "video" ? 1 : 2);
      assert.equal(block.keyframe, frame.kind === "audio" || frame.keyframe);
      const units = frame.kind === "video"
        ? frame.nalUnits.map((u) => frame.bytes.subarray(u.offset, u.offset + u.length))
        : [frame.bytes];
      assert.deepEqual(frame.kind === "video" ? avccNalUnits(block.data) : [block.data], units);
    });
  });

  test("the frame data in the pieces are views of the ring's buffers, never copies", () => {
    const frames = sampleRingFrames();
    const { pieces } = body(frames);
    const ringBuffers = new Set(frames.map((f) => f.bytes.buffer));
    const viewed = pieces.filter((p) => ringBuffers.has(p.buffer))
      .reduce((n, p) => n + p.length, 0);
    const frameBytes = frames.reduce(
      (n, f) =>
        n + (f.kind === "audio" ? f.bytes.length : f.nalUnits.reduce((m, u) => m + u.length, 0)),
      0,
    );
    assert.equal(viewed, frameBytes, "every NAL unit and Opus packet byte is a view");
  });
});
