/** The `--data-dir` state file's parse: every record checked before the endpoint uses it. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { controlPlaneOperations } from "../../core/local-endpoint/control-plane.ts";
import { Registry } from "../../core/local-endpoint/registry.ts";
import { parseRegistrySnapshot } from "../../core/local-endpoint/state-snapshot.ts";

/** The snapshot of an endpoint that created one channel and one stream. */
function savedState(): string {
  const registry = new Registry("us-west-2");
  const context = { registry, urls: { https: "", wss: "" }, now: () => 1_704_067_200_000 };
  controlPlaneOperations["/createSignalingChannel"]({ ChannelName: "c", Tags: [] }, context);
  controlPlaneOperations["/createStream"]({ StreamName: "s", Tags: { k: "v" } }, context);
  return JSON.stringify(registry.snapshot(), null, 1);
}

describe("state snapshot parse", () => {
  test("reads back what the registry saved", () => {
    const text = savedState();
    assert.deepEqual(parseRegistrySnapshot(text), JSON.parse(text));
  });

  // The old parse checked only that both lists were there: these were accepted, then crashed
  // the Registry or an operation with a TypeError (the fuzzer's state-file target feeds them).
  test("refuses a record that is not an object, or has a member of the wrong type", () => {
    const state = JSON.parse(savedState());
    const refused = (change: (s: typeof state) => void) => {
      const copy = structuredClone(state);
      change(copy);
      assert.throws(() => parseRegistrySnapshot(JSON.stringify(copy)), (error: Error) => {
        assert.equal(Object.getPrototypeOf(error), Error.prototype);
        return true;
      });
    };
    refused((s) => (s.channels[0] = null));
    refused((s) => (s.channels[0].name = 7));
    refused((s) => (s.channels[0].mediaStorage = null));
    refused((s) => (s.channels[0].tags = [null]));
    refused((s) => (s.streams[0].tags = { k: 1 }));
    refused((s) => (s.streams[0].dataRetentionInHours = "24"));
    assert.throws(
      () => parseRegistrySnapshot('{"channels":[null],"streams":[]}'),
      /^Error: channel 0 is not an object$/,
    );
    assert.throws(() => parseRegistrySnapshot("{"), /^Error: it is not JSON$/);
    assert.throws(() => parseRegistrySnapshot("[]"), /no channels and streams lists/);
  });
});
