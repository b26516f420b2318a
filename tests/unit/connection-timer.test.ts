import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConnectionTimer, phases } from "../../core/metrics/connection-timer.ts";

function fakeClock(times: number[]) {
  return () => times.shift() ?? assert.fail("clock read too often");
}

describe("connection timer", () => {
  test("records the first start and first end of a phase only", () => {
    const timer = new ConnectionTimer(fakeClock([100, 110, 130, 140, 150]));
    timer.start("describeChannel"); // 10
    timer.end("describeChannel"); // 30
    timer.start("describeChannel"); // ignored
    timer.end("describeChannel"); // ignored
    assert.deepEqual(timer.timings().find((t) => t.phase === "describeChannel"), {
      phase: "describeChannel",
      start: 10,
      end: 30,
    });
    assert.equal(timer.duration("describeChannel"), 20);
  });

  test("lists every phase in protocol order, unmarked ones empty, skipped ones with a note", () => {
    const timer = new ConnectionTimer(fakeClock([0]));
    timer.skip("gatherRelayCandidates", "no TURN server");
    const timings = timer.timings();
    assert.deepEqual(timings.map((t) => t.phase), [...phases]);
    assert.equal(timings.find((t) => t.phase === "gatherRelayCandidates")?.note, "no TURN server");
    assert.equal(timer.duration("firstFrame"), undefined);
  });
});
