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

describe("connection timer: shared and late ends", () => {
  test("a fork keeps the marks made so far; later marks stay with their own timer", () => {
    const timer = new ConnectionTimer(fakeClock([0, 5, 8, 20, 30, 40]));
    timer.start("connectWebSocket"); // 5
    timer.end("connectWebSocket"); // 8
    const first = timer.fork();
    const second = timer.fork();
    first.start("dtlsHandshake"); // 20
    second.start("dtlsHandshake"); // 30
    first.end("dtlsHandshake"); // 40
    assert.equal(first.duration("connectWebSocket"), 3);
    assert.equal(second.duration("connectWebSocket"), 3);
    assert.equal(first.duration("dtlsHandshake"), 20);
    assert.equal(second.duration("dtlsHandshake"), undefined);
    assert.equal(timer.timings().find((t) => t.phase === "dtlsHandshake")?.start, undefined);
  });

  test("an end given as an earlier reading is kept, but never before the start", () => {
    const timer = new ConnectionTimer(fakeClock([0, 10, 15, 30, 40, 50]));
    timer.start("gatherSrflxCandidates"); // 10
    const lastCandidate = timer.now(); // 15
    timer.start("gatherRelayCandidates"); // 30
    timer.end("gatherSrflxCandidates", lastCandidate);
    timer.end("gatherRelayCandidates", lastCandidate);
    assert.equal(timer.duration("gatherSrflxCandidates"), 5);
    assert.equal(timer.duration("gatherRelayCandidates"), 0);
  });
});

describe("connection timer completion", () => {
  test("completed() resolves when the last open phase ends or is skipped, not before", async () => {
    const timer = new ConnectionTimer(() => 0);
    let done = false;
    const completed = timer.completed().then(() => done = true);
    for (const phase of phases.slice(0, -1)) timer.end(phase);
    await Promise.resolve();
    assert.equal(done, false);
    timer.skip("firstFrame", "no media");
    await completed;
    assert.equal(done, true);
    await timer.completed(); // already complete: resolves at once
  });
});
