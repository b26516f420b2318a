/** The storage session's recorder: fragments cut at keyframes, AVCC frames, absolute times. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sampleFrames, sampleOpusPackets } from "./support/samples.ts";
import { SessionRecorder } from "../../core/storage/session-recorder.ts";
import { ArrivalClock } from "../../core/storage/arrival-clock.ts";
import type { Fragment } from "../../core/fragments/fragment.ts";
import { annexBAccessUnit, parseAvcDecoderConfig } from "../../core/h264/avcc.ts";
import { nalKey } from "../helpers/media-session.ts";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";

describe("storage session recorder", () => {
  test("the arrival clock follows RTP time from the first arrival, across the 32-bit wrap", () => {
    const clock = new ArrivalClock(90_000);
    const start = 0xffff_ffff - 45_000;
    assert.equal(clock.wallMs(start, 1_000_000), 1_000_000);
    // Arrived late (jitter): the time still comes from RTP.
    assert.equal(clock.wallMs((start + 90_000) >>> 0, 1_001_300), 1_001_000);
    assert.equal(clock.wallMs((start + 180_000) >>> 0, 1_002_000), 1_002_000);
  });

  test("two seconds of the sample become fragments at keyframes, frames identical, with Opus", () => {
    const fragments: Fragment[] = [];
    const recorder = new SessionRecorder((f) => fragments.push(f));
    const wall0 = 1_700_000_000_000;
    // Start mid-GOP: frames before the first keyframe go nowhere.
    for (let i = 10; i < 75; i++) {
      recorder.video(sampleFrames[i % sampleFrames.length], i * 3000, wall0 + i * 33.3);
      recorder.audio(sampleOpusPackets[i], 7 + i * 960, wall0 + 5 + i * 20);
    }
    recorder.finish();
    assert.equal(fragments.length, 2, "keyframes at 30 and 60 start fragments");
    assert.equal(recorder.stats.videoFrames, 65);
    const expected = sampleFrames.slice(30, 75);
    const stored = fragments.flatMap((f) => {
      const config = parseAvcDecoderConfig(f.tracks[0].codecPrivate!);
      assert.equal(f.frames[0].keyframe, true);
      return f.frames.filter((fr) => fr.track === 1).map((fr) =>
        annexBAccessUnit(fr.data, config, false)
      );
    });
    assert.deepEqual(stored.map(nalKey), expected.map(nalKey));
    const [first] = fragments;
    assert.equal(first.producerTimestampMs, wall0 + 1000, "arrival of the first frame + RTP time");
    assert.ok(Math.abs(first.durationMs - 1000) <= 2, `${first.durationMs} ms: one GOP`);
    assert.equal(first.tracks[1].codecId, "A_OPUS");
    assert.ok(first.frames.some((f) => f.track === 2), "audio inside the fragment");
  });

  test("a fragment starting before any SPS and PPS is dropped, not stored without tracks", () => {
    const fragments: Fragment[] = [];
    const recorder = new SessionRecorder((f) => fragments.push(f));
    // An IDR slice alone (the sample's keyframe without its parameter sets).
    const slice = findNalUnits(sampleFrames[0]).find((u) =>
      nalType(sampleFrames[0][u.offset]) === NalType.idrSlice
    )!;
    const idr = concatBytes([
      new Uint8Array([0, 0, 0, 1]),
      sampleFrames[0].subarray(slice.offset, slice.offset + slice.length),
    ]);
    recorder.video(idr, 0, 0);
    recorder.video(sampleFrames[0], 90_000, 1000);
    recorder.finish();
    assert.equal(recorder.stats.fragmentsWithoutParameterSets, 1);
    assert.equal(fragments.length, 1);
  });
});
