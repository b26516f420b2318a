import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing, type FrameRingOptions } from "../../core/media/frame-ring.ts";
import { videoFrame } from "../../core/media/media-frame.ts";
import type { FragmentAck } from "../../core/producer/ack-parser.ts";
import { Fragmenter, type OutgoingFragment } from "../../core/producer/fragmenter.ts";
import {
  type DroppedFragment,
  UploadWindow,
  type UploadWindowOptions,
} from "../../core/producer/upload-window.ts";
import { sampleFrames } from "./support/samples.ts";

const startWallMs = 1_700_000_000_000;

/**
 * A window fed `frameCount` sample frames (a fragment per 30, 1 s each), every fragment
 * added as it starts and sent at once; a fake clock.
 */
function fed(
  frameCount: number,
  options: Partial<UploadWindowOptions> = {},
  ring: FrameRingOptions = {},
) {
  const clock = { ms: 0 };
  const video = new FrameRing("video", { windowUs: 100_000, ...ring });
  const dropped: DroppedFragment[] = [];
  const window = new UploadWindow({
    video,
    keepsData: true,
    now: () => clock.ms,
    onDropped: (drop) => dropped.push(drop),
    ...options,
  });
  const fragmenter = new Fragmenter({ startWallMs });
  const fragments: OutgoingFragment[] = [];
  for (let i = 0; i < frameCount; i++) {
    const frame = video.push(videoFrame(sampleFrames[i % sampleFrames.length], i * 33_333));
    const step = fragmenter.push(frame);
    if (step.ended) window.ended(step.ended);
    if (step.started) {
      window.add(step.started);
      window.sent(step.started);
      fragments.push(step.started);
    }
    if (step.into) window.enforceBounds(fragmenter.timecodeMs(frame));
  }
  return { clock, video, window, fragments, dropped };
}

/** Fragments by timecode (a failing deepEqual of ring frames would print megabytes). */
const times = (fragments: readonly (OutgoingFragment | undefined)[]) =>
  fragments.map((f) => f?.timecodeMs);

const ack = (eventType: FragmentAck["eventType"], fragment: OutgoingFragment): FragmentAck => ({
  eventType,
  fragmentTimecode: fragment.timecodeMs,
});

describe("upload window", () => {
  test("holds a fragment's frames in the ring until PERSISTED, then the ring frees them", () => {
    const { video, window, fragments } = fed(90);
    assert.equal(video.holderCount, 1 + 3, "the retransmit window and one per fragment");
    assert.equal(video.get(0), fragments[0].frames[0], "the first fragment's keyframe is kept");
    for (const type of ["BUFFERING", "RECEIVED"] as const) {
      assert.equal(window.acknowledge(ack(type, fragments[0])).done, false, type);
    }
    assert.ok(video.get(0), "RECEIVED alone does not free it where the stream keeps data");
    assert.equal(window.acknowledge(ack("PERSISTED", fragments[0])).done, true);
    assert.equal(video.holderCount, 3);
    assert.equal(video.get(0), undefined, "the ring let the frames go");
    assert.deepEqual(times(window.fragments), times(fragments.slice(1)));
  });

  test("RECEIVED completes a fragment when the stream keeps no data", () => {
    const { video, window, fragments } = fed(60, { keepsData: false });
    const outcome = window.acknowledge(ack("RECEIVED", fragments[0]));
    assert.equal(outcome.done, true);
    assert.ok(outcome.fragment === fragments[0]);
    assert.equal(video.get(0), undefined);
  });

  test("counts acknowledgements and times the completing one with the injected clock", () => {
    const { clock, window, fragments } = fed(60);
    clock.ms = 250;
    assert.equal(window.stats().waitingSinceMs, 0, "the first fragment waits since it was sent");
    window.acknowledge(ack("BUFFERING", fragments[0]));
    window.acknowledge(ack("RECEIVED", fragments[0]));
    clock.ms = 1_400;
    assert.equal(window.acknowledge(ack("PERSISTED", fragments[0])).latencyMs, 1_400);
    window.acknowledge(ack("PERSISTED", fragments[0]));
    window.acknowledge({ eventType: "IDLE" });
    window.connectionLost();
    assert.equal(window.stats().waitingSinceMs, undefined, "nothing is in flight after a cut");
    const stats = window.stats(fragments[1].timecodeMs + 500);
    assert.deepEqual(
      {
        sent: stats.fragmentsSent,
        acknowledged: stats.fragmentsAcknowledged,
        received: stats.fragmentsReceived,
        persisted: stats.fragmentsPersisted,
        latency: stats.ackLatencyMs,
        held: stats.heldFragments,
        seconds: stats.heldSeconds,
        bytes: stats.heldBytes,
      },
      {
        sent: 2,
        acknowledged: 1,
        received: 1,
        persisted: 1,
        latency: 1_400,
        held: 1,
        seconds: 0.5,
        bytes: fragments[1].bytes,
      },
      "a repeated PERSISTED names no held fragment and counts nothing",
    );
  });

  test("the acknowledgement latency counts from when the fragment's end was sent", () => {
    const { clock, window, fragments } = fed(61);
    clock.ms = 900; // the second fragment ends (its frames took their time) and goes out
    window.ended(fragments[1]);
    clock.ms = 1_150;
    assert.equal(window.acknowledge(ack("PERSISTED", fragments[1])).latencyMs, 250);
    window.ended(fragments[2]);
    window.connectionLost();
    clock.ms = 1_300;
    const resent = window.acknowledge(ack("PERSISTED", fragments[2]));
    assert.equal(resent.latencyMs, undefined, "not timed across connections");
    assert.equal(window.stats().ackLatencyMs, 250);
  });

  test("after a cut, resends every fragment held, minus those the service reports it has", () => {
    const { video, window, fragments } = fed(120);
    window.acknowledge(ack("PERSISTED", fragments[0]));
    window.connectionLost();
    assert.deepEqual(
      times(window.resend([fragments[2].timecodeMs, 12345])),
      times([fragments[1], fragments[3]]),
    );
    assert.equal(video.holderCount, 1 + 2, "the stored fragment was released");
  });

  test("an ERROR acknowledgement asks for a reconnect; a fragment fault drops the fragment", () => {
    const { window, fragments, dropped } = fed(90);
    const internal = window.acknowledge({ ...ack("ERROR", fragments[0]), errorId: 5000 });
    assert.ok(internal.fragment === fragments[0]);
    assert.deepEqual([internal.done, internal.reconnect], [false, true]);
    assert.deepEqual(times(window.fragments), times(fragments), "kept: sent after the reconnect");
    const tooLong = window.acknowledge({ ...ack("ERROR", fragments[1]), errorId: 4002 });
    assert.equal(tooLong.reconnect, true);
    assert.deepEqual(times(window.fragments), times([fragments[0], fragments[2]]));
    assert.deepEqual(dropped, [{
      timecodeMs: fragments[1].timecodeMs,
      reason: "rejected",
      errorId: 4002,
    }]);
    assert.equal(window.stats().errors, 2);
    assert.equal(window.stats().dropped.rejected, 1);
  });

  test("an ERROR about the stream itself (4507 STREAM_DELETED) says why the upload cannot go on", () => {
    const { window, fragments } = fed(60);
    const internal = window.acknowledge({ ...ack("ERROR", fragments[0]), errorId: 5000 });
    assert.equal(internal.streamFault, undefined, "an internal error is retried");
    const notActive = window.acknowledge({ ...ack("ERROR", fragments[0]), errorId: 4008 });
    assert.equal(notActive.streamFault, undefined, "a stream not active may become active");
    const deleted = window.acknowledge({ ...ack("ERROR", fragments[1]), errorId: 4507 });
    assert.equal(deleted.streamFault, "it was deleted");
    const kms = window.acknowledge({ ...ack("ERROR", fragments[1]), errorId: 4500 });
    assert.equal(kms.streamFault, "its KMS key refused access");
  });

  test("past --buffer-seconds the oldest fragments go, counted and reported", () => {
    const { window, fragments, dropped } = fed(150, { bufferSeconds: 2 });
    // Five fragments of 1 s; the newest frame is at 4.97 s: held from 2.97 s on.
    assert.deepEqual(times(window.fragments), times(fragments.slice(3)));
    assert.deepEqual(
      dropped.map((d) => [d.timecodeMs, d.reason]),
      fragments.slice(0, 3).map((f) => [f.timecodeMs, "buffer-seconds"]),
    );
    assert.equal(window.stats().dropped["buffer-seconds"], 3);
  });

  test("past the byte cap the oldest fragments go, but never the open one", () => {
    const { window, fragments, dropped } = fed(150, { maxBytes: 1 });
    assert.deepEqual(times(window.fragments), times([fragments[4]]));
    assert.equal(dropped.length, 4);
    assert.ok(dropped.every((d) => d.reason === "buffer-bytes"));
  });

  test("fragments whose frames the ring's byte cap evicted go, counted and reported", () => {
    const firstGop = sampleFrames.slice(0, 30).reduce((n, f) => n + f.length, 0);
    const { window, fragments, dropped } = fed(90, {}, { maxBytes: firstGop * 1.5 });
    assert.ok(dropped.length >= 1);
    assert.deepEqual(dropped[0], { timecodeMs: fragments[0].timecodeMs, reason: "ring-evicted" });
    assert.equal(window.stats().dropped["ring-evicted"], dropped.length);
    assert.ok(!window.fragments.includes(fragments[0]));
  });

  test("close releases every holder", () => {
    const { video, window } = fed(90);
    window.close();
    assert.equal(video.holderCount, 1);
    assert.deepEqual(window.fragments, []);
  });
});
