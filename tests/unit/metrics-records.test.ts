import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConnectionTimer, phases } from "../../core/metrics/connection-timer.ts";
import { bandwidthRecord, connectionRecord, summaryRecord } from "../../core/metrics/records.ts";
import { bandwidthLine, connectionTable, summaryTable } from "../../cli/metrics-output.ts";
import { assertMatchesMetricsSchema } from "../helpers/metrics-schema.ts";

/** A timer whose clock advances by `step` ms at each reading. */
function steppingTimer(step: number) {
  let now = 1000;
  return new ConnectionTimer(() => (now += step));
}

function fullConnection(step: number, relay: boolean) {
  const timer = steppingTimer(step);
  for (const phase of phases) {
    if (phase === "joinStorageSession") timer.skip(phase, "no storage session");
    else if (phase === "gatherRelayCandidates" && !relay) timer.skip(phase, "no TURN server");
    else {
      timer.start(phase);
      timer.end(phase);
    }
  }
  return timer.timings();
}

describe("metrics records", () => {
  test("a connection record lists every phase in order: timed ones with numbers, others with the reason", () => {
    const record = connectionRecord({
      role: "viewer",
      channel: "cam",
      clientId: "viewer-1",
      timings: fullConnection(2, false),
    });
    assertMatchesMetricsSchema(record);
    assert.deepEqual(record.phases.map((p) => p.phase), [...phases]);
    assert.deepEqual(record.phases[0], {
      phase: "getCredentials",
      startMs: 2,
      endMs: 4,
      durationMs: 2,
    });
    assert.deepEqual(record.phases.find((p) => p.phase === "gatherRelayCandidates"), {
      phase: "gatherRelayCandidates",
      note: "no TURN server",
    });
  });

  test("a phase never marked is reported as not reached, never as a number", () => {
    const timer = steppingTimer(1);
    timer.start("getCredentials");
    const record = connectionRecord({ role: "master", channel: "cam", timings: timer.timings() });
    assertMatchesMetricsSchema(record);
    assert.deepEqual(record.phases[0], { phase: "getCredentials", note: "not reached" });
    assert.ok(record.phases.every((p) => p.durationMs === undefined));
  });

  test("the summary gives min/p50/p95/max per side over the runs, and counts runs per phase", () => {
    const runs = [1, 2, 3, 4].map((step) => ({
      master: fullConnection(step, step > 2),
      viewer: fullConnection(step * 10, false),
    }));
    const record = summaryRecord({ target: "embedded", channel: "cam", failedRuns: 1, runs });
    assertMatchesMetricsSchema(record);
    assert.deepEqual(record.sides.map((s) => s.role), ["master", "viewer"]);
    const master = record.sides[0].phases;
    assert.deepEqual(master[0], {
      phase: "getCredentials",
      count: 4,
      minMs: 1,
      p50Ms: 2,
      p95Ms: 4,
      maxMs: 4,
    });
    assert.equal(master.find((p) => p.phase === "gatherRelayCandidates")?.count, 2);
    assert.deepEqual(
      record.sides[1].phases.find((p) => p.phase === "gatherRelayCandidates"),
      { phase: "gatherRelayCandidates", note: "no TURN server" },
    );
  });

  test("the schema refuses a record with a phase missing, out of shape, or an unknown field", () => {
    const good = connectionRecord({
      role: "master",
      channel: "c",
      timings: fullConnection(1, true),
    });
    const broken = [
      { ...good, phases: good.phases.slice(1) },
      { ...good, phases: [{ phase: "getCredentials", startMs: 1 }, ...good.phases.slice(1)] },
      { ...good, extra: true },
      { ...good, role: "producer" },
    ];
    for (const record of broken) assert.throws(() => assertMatchesMetricsSchema(record));
  });

  test("tables name each phase, say n/a with the reason, and name the first frame by side", () => {
    const connection = connectionTable(
      connectionRecord({
        role: "master",
        channel: "cam",
        clientId: "viewer-7",
        timings: fullConnection(1.25, false),
      }),
    );
    assert.match(connection, /viewer viewer-7, channel cam/);
    assert.match(connection, /get credentials +1\.3 +2\.5 +1\.3/);
    assert.match(connection, /gather relay candidates +n\/a \(no TURN server\)/);
    assert.match(connection, /first frame sent/);

    const summary = summaryTable(
      summaryRecord({
        target: "embedded",
        channel: "cam",
        failedRuns: 0,
        runs: [{ viewer: fullConnection(3, true) }],
      }),
    );
    assert.match(summary, /^1 connection on channel cam against the embedded local endpoint/);
    assert.match(summary, /first frame received +1 +3\.0 +3\.0 +3\.0 +3\.0/);
    assert.doesNotMatch(summary, /master/);
  });
});

describe("bandwidth records", () => {
  const estimate = {
    estimateBps: 1_523_456.7,
    delayBasedBps: 1_523_456.7,
    lossBasedBps: 2_000_000,
    lossFraction: 0.01234,
    usage: "normal" as const,
    streamBps: 1_250_000,
    keyframesOnly: false,
  };

  test("a viewer's estimate as a documented JSON record and a line for people", () => {
    const record = bandwidthRecord({ channel: "c", clientId: "v1", event: "left", estimate });
    assertMatchesMetricsSchema(record);
    assert.equal(record.estimateBps, 1_523_457);
    assert.equal(record.lossFraction, 0.012);
    assert.equal(
      bandwidthLine(record),
      "bandwidth (master, viewer v1, channel c, when it left): estimate 1.52 Mbit/s " +
        "(delay-based 1.52 Mbit/s, loss-based 2.00 Mbit/s, 1.2% lost, normal), stream 1.25 Mbit/s",
    );
  });

  test("a stream bitrate not known yet is left out, keyframes only is said", () => {
    const record = bandwidthRecord({
      channel: "c",
      clientId: "v1",
      event: "keyframesOnly",
      estimate: { ...estimate, streamBps: NaN, keyframesOnly: true },
    });
    assertMatchesMetricsSchema(record);
    assert.equal("streamBps" in record, false);
    assert.match(bandwidthLine(record), /keyframes only from now on\).*, keyframes only$/);
  });
});
