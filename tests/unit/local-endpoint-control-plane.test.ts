/** Control-plane operations on a Registry, for requests the fuzzer found crashing them. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { controlPlaneOperations } from "../../core/local-endpoint/control-plane.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import { parseJsonObject } from "../../core/local-endpoint/fields.ts";
import { Registry } from "../../core/local-endpoint/registry.ts";

const context = (registry = new Registry("us-west-2")) => ({
  registry,
  urls: { https: "https://127.0.0.1:1", wss: "wss://127.0.0.1:1" },
  now: () => 1_704_067_200_000,
});

/** Runs one operation on the body's bytes, as the endpoint does; the ServiceError it throws. */
function refusal(path: string, body: string, registry?: Registry): ServiceError {
  try {
    controlPlaneOperations[path](
      parseJsonObject(new TextEncoder().encode(body)),
      context(registry),
    );
  } catch (error) {
    assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${error}`);
    return error;
  }
  assert.fail("the request was accepted");
}

describe("control plane: malformed members are InvalidArgumentException, not a crash", () => {
  test("a signaling channel tag that is not an object", () => {
    const error = refusal("/createSignalingChannel", '{"ChannelName":"c","Tags":[null]}');
    assert.equal(error.errorType, "InvalidArgumentException");
    assert.match(error.message, /Tags must be an object with a Key and a Value/);
  });

  test("a stream tag value that is not a string (even one String() cannot convert)", () => {
    const hostile = refusal("/createStream", '{"StreamName":"s","Tags":{"k":{"toString":1}}}');
    assert.equal(hostile.errorType, "InvalidArgumentException");
    assert.match(hostile.message, /at 'k' failed to satisfy constraint: Member must be a string/);
    const missing = refusal("/createStream", '{"StreamName":"s","Tags":{"k":null}}');
    assert.match(missing.message, /Member must not be null/);
  });

  test("a stream tag with an empty key is named in the message", () => {
    const error = refusal("/createStream", '{"StreamName":"s","Tags":{"":1}}');
    assert.match(error.message, /at '' failed to satisfy constraint: Member must be a string/);
  });

  test("a protocol that String() cannot convert", () => {
    const registry = new Registry("us-west-2");
    const { ChannelARN } = controlPlaneOperations["/createSignalingChannel"](
      { ChannelName: "c" },
      context(registry),
    );
    const body = JSON.stringify({
      ChannelARN,
      SingleMasterChannelEndpointConfiguration: { Protocols: ["wss", { toString: 1 }] },
    });
    const error = refusal("/getSignalingChannelEndpoint", body, registry);
    assert.equal(error.errorType, "InvalidArgumentException");
    assert.match(error.message, /^Protocol \{"toString":1\} is not one of WSS, HTTPS, WEBRTC\.$/);
  });
});
