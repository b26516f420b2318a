import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SendHistory, sendHistoryCapacity } from "../../core/congestion/send-history.ts";

describe("send history (transport-wide sequence number -> send time and size)", () => {
  test("finds a recorded packet until it is acknowledged, then no more", () => {
    const history = new SendHistory();
    history.record(65535, 1200, 10.5, -1);
    history.record(0, 300, 11, -1); // the number wraps
    const slot = history.find(65535);
    assert.deepEqual([history.sentAtMs(slot), history.sizeBytes(slot)], [10.5, 1200]);
    assert.equal(history.sizeBytes(history.find(0)), 300);
    history.forget(slot);
    assert.equal(history.find(65535), -1, "a repeated report of it finds nothing");
    assert.equal(history.find(1), -1, "never sent");
  });

  test("a loss is counted once however often it is reported", () => {
    const history = new SendHistory();
    history.record(7, 1200, 0, -1);
    assert.equal(history.markLost(history.find(7)), true);
    assert.equal(history.markLost(history.find(7)), false);
    assert.notEqual(history.find(7), -1, "a packet reported lost may still be reported received");
  });

  test("a slot reused a capacity later no longer answers for the old number", () => {
    const history = new SendHistory();
    history.record(5, 100, 0, -1);
    history.record(5 + sendHistoryCapacity, 200, 1, -1);
    assert.equal(history.find(5), -1);
    assert.equal(history.sizeBytes(history.find(5 + sendHistoryCapacity)), 200);
  });
});
