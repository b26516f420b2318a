import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { uploadPhases, UploadTimer } from "../../core/metrics/upload-timer.ts";
import { uploadRecord } from "../../core/metrics/records.ts";
import { assertMatchesMetricsSchema } from "../helpers/metrics-schema.ts";

describe("upload timer", () => {
  test("only the first start and end of a phase count; an end alone starts it too", () => {
    let now = 1000;
    const timer = new UploadTimer(() => now);
    now = 1010;
    timer.start("getDataEndpoint");
    now = 1030;
    timer.end("getDataEndpoint");
    now = 1050;
    timer.start("getDataEndpoint");
    timer.end("getDataEndpoint");
    timer.end("putMediaConnected");
    const [dataEndpoint, connected] = timer.timings().slice(2, 4);
    assert.deepEqual(dataEndpoint, { phase: "getDataEndpoint", start: 10, end: 30 });
    assert.deepEqual(connected, { phase: "putMediaConnected", start: 50, end: 50 });
  });

  test("complete once every phase ended or was skipped", () => {
    const timer = new UploadTimer(() => 0);
    for (const phase of uploadPhases.slice(0, -1)) timer.end(phase);
    assert.equal(timer.complete, false);
    timer.skip("firstPersisted", "the stream keeps no data");
    assert.equal(timer.complete, true);
  });

  test("its record is every phase in order, and matches the documented schema", () => {
    let now = 0;
    const timer = new UploadTimer(() => now);
    timer.start("getCredentials");
    now = 2.5;
    timer.end("getCredentials");
    timer.skip("firstPersisted", "the stream keeps no data");
    const record = uploadRecord({ role: "producer", stream: "s", timings: timer.timings() });
    assertMatchesMetricsSchema(record);
    assert.deepEqual(record.phases.map((p) => p.phase), [...uploadPhases]);
    assert.deepEqual(record.phases[0], {
      phase: "getCredentials",
      startMs: 0,
      endMs: 2.5,
      durationMs: 2.5,
    });
    assert.deepEqual(record.phases[1], { phase: "describeStream", note: "not reached" });
    assert.deepEqual(record.phases[7], {
      phase: "firstPersisted",
      note: "the stream keeps no data",
    });
  });
});
