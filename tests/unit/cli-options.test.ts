import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sharedSettings } from "../../cli/shared-options.ts";
import { UsageError } from "../../cli/command.ts";

describe("shared settings follow AWS conventions", () => {
  test("region comes from the flag, then AWS_REGION, then AWS_DEFAULT_REGION", () => {
    assert.equal(
      sharedSettings({ region: "eu-west-1" }, { AWS_REGION: "us-east-1" }).region,
      "eu-west-1",
    );
    assert.equal(
      sharedSettings({}, { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "x" }).region,
      "us-east-1",
    );
    assert.equal(sharedSettings({}, { AWS_DEFAULT_REGION: "ap-south-1" }).region, "ap-south-1");
    assert.equal(sharedSettings({}, {}).region, undefined);
  });

  test("endpoint comes from the flag, then the service-specific variable, then the global one", () => {
    const env = { AWS_ENDPOINT_URL_KINESIS_VIDEO: "http://a:1", AWS_ENDPOINT_URL: "http://b:2" };
    assert.equal(sharedSettings({ "endpoint-url": "http://c:3" }, env).endpointUrl, "http://c:3");
    assert.equal(sharedSettings({}, env).endpointUrl, "http://a:1");
    assert.equal(sharedSettings({}, { AWS_ENDPOINT_URL: "http://b:2" }).endpointUrl, "http://b:2");
  });

  test("a bad log level, channel name or endpoint URL is a usage error naming the value", () => {
    assert.throws(() => sharedSettings({ "log-level": "loud" }, {}), UsageError);
    assert.throws(() => sharedSettings({ channel: "has space" }, {}), /has space/);
    assert.throws(() => sharedSettings({ "endpoint-url": "not a url" }, {}), /not a url/);
  });
});
