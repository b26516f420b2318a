import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { distribution, percentile, summarisePhases } from "../../core/metrics/summary.ts";
import type { PhaseTiming } from "../../core/metrics/connection-timer.ts";

describe("metrics summary", () => {
  test("nearest-rank percentiles", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(xs, 50), 5);
    assert.equal(percentile(xs, 95), 10);
    assert.equal(percentile([7], 95), 7);
    assert.throws(() => percentile([], 50), RangeError);
  });

  test("a distribution sorts its input and reports min, p50, p95, max", () => {
    assert.deepEqual(distribution([30, 10, 20]), { count: 3, min: 10, p50: 20, p95: 30, max: 30 });
    assert.equal(distribution([]), undefined);
  });

  test("phases without values carry the reason instead of a number", () => {
    const run = (ms: number): PhaseTiming[] => [
      { phase: "describeChannel", start: 0, end: ms },
      { phase: "gatherRelayCandidates", note: "no TURN server" },
    ];
    const summary = summarisePhases([run(4), run(8)]);
    assert.deepEqual(summary.find((s) => s.phase === "describeChannel")?.durationMs, {
      count: 2,
      min: 4,
      p50: 4,
      p95: 8,
      max: 8,
    });
    assert.deepEqual(summary.find((s) => s.phase === "gatherRelayCandidates"), {
      phase: "gatherRelayCandidates",
      note: "no TURN server",
    });
    assert.equal(summary.find((s) => s.phase === "firstFrame")?.note, "not reached");
  });
});
