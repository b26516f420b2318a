import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  awsErrorName,
  errorFromResponse,
  isClockSkewError,
  isRetryable,
  isThrottling,
  KvsError,
} from "../../core/aws/errors.ts";
import { backoffDelay } from "../../core/aws/retry.ts";
import { ClockSkew } from "../../core/aws/clock-skew.ts";
import { controlPlaneUrl } from "../../core/aws/endpoints.ts";

describe("KVS errors carry AWS's name and message", () => {
  test("the name comes from x-amzn-ErrorType, cut at ':' as real KVS sends it", () => {
    const err = errorFromResponse(
      "DescribeSignalingChannel",
      404,
      new Headers({
        "x-amzn-ErrorType":
          "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesisvideo.v20170930/",
        "x-amzn-RequestId": "req-1",
        Date: "Tue, 21 Nov 2026 07:23:58 GMT",
      }),
      '{"Message":"The requested channel is not found or not active."}',
    );
    assert.ok(err instanceof KvsError);
    assert.equal(err.name, "ResourceNotFoundException");
    assert.equal(err.message, "The requested channel is not found or not active.");
    assert.equal(err.status, 404);
    assert.equal(err.requestId, "req-1");
    assert.equal(err.serverDate, "Tue, 21 Nov 2026 07:23:58 GMT");
  });

  test("without the header, body code then __type (after '#') name the error", () => {
    assert.equal(awsErrorName(null, { code: "Foo" }), "Foo");
    assert.equal(awsErrorName(null, { __type: "com.amazon#Bar" }), "Bar");
    assert.equal(awsErrorName("a#Baz,x", {}), "Baz");
  });

  test("a non-JSON body still gives a usable error", () => {
    const err = errorFromResponse("X", 502, new Headers(), "<html>Bad Gateway</html>");
    assert.equal(err.name, "HTTP502");
    assert.match(err.message, /Bad Gateway/);
    assert.equal(isRetryable(err), true);
  });

  test("throttling, 5xx and no-answer are retryable; 4xx are not", () => {
    const e = (name: string, status: number) =>
      new KvsError({ name, message: "m", operation: "X", status });
    assert.equal(isThrottling(e("ClientLimitExceededException", 400)), true);
    assert.equal(isRetryable(e("ClientLimitExceededException", 400)), true);
    assert.equal(isRetryable(e("InternalFailure", 500)), true);
    assert.equal(isRetryable(e("TimeoutError", 0)), true);
    assert.equal(isRetryable(e("ResourceNotFoundException", 404)), false);
    assert.equal(isRetryable(e("AccessDeniedException", 401)), false);
    assert.equal(isRetryable(new Error("plain")), false);
  });

  test("KVS's skew texts and the SDKs' skew names are recognised as clock skew", () => {
    const e = (name: string, message: string) =>
      new KvsError({ name, message, operation: "X", status: 403 });
    assert.equal(
      isClockSkewError(e(
        "InvalidSignatureException",
        "Signature expired: 20231107T044734Z is now earlier than 20231107T045305Z (20231107T045805Z - 5 min.)",
      )),
      true,
    );
    assert.equal(
      isClockSkewError(e("InvalidSignatureException", "Signature not yet current: a")),
      true,
    );
    assert.equal(isClockSkewError(e("RequestTimeTooSkewed", "x")), true);
    assert.equal(
      isClockSkewError(
        e("InvalidSignatureException", "The request signature we calculated does not match"),
      ),
      false,
    );
  });
});

describe("retry backoff uses full jitter", () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  test("the ceiling doubles per retry and stops at the maximum", () => {
    assert.equal(backoffDelay(1, policy, () => 0.999999), 99);
    assert.equal(backoffDelay(2, policy, () => 0.999999), 199);
    assert.equal(backoffDelay(3, policy, () => 0.5), 200);
    assert.equal(backoffDelay(10, policy, () => 0.999999), 999);
  });
  test("the delay may be anything from zero to the ceiling", () => {
    assert.equal(backoffDelay(5, policy, () => 0), 0);
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(4, policy)));
    assert.ok(seen.size > 50, "delays are spread");
    for (const d of seen) assert.ok(d >= 0 && d < 800);
  });
});

describe("clock skew is learnt from the server's Date header", () => {
  test("a device 30 minutes slow signs with the server's time once it has learnt the offset", () => {
    const device = Date.parse("2026-01-01T12:00:00Z");
    const skew = new ClockSkew(() => device);
    assert.equal(skew.now().toISOString(), "2026-01-01T12:00:00.000Z");
    assert.equal(skew.learn("Thu, 01 Jan 2026 12:30:00 GMT"), true);
    assert.equal(skew.offsetMs, 30 * 60_000);
    assert.equal(skew.now().toISOString(), "2026-01-01T12:30:00.000Z");
    assert.equal(
      skew.learn("Thu, 01 Jan 2026 12:31:00 GMT"),
      false,
      "a minute is within AWS's window",
    );
  });
  test("a small difference or a missing/garbled header changes nothing", () => {
    const skew = new ClockSkew(() => Date.parse("2026-01-01T12:00:00Z"));
    assert.equal(skew.learn("Thu, 01 Jan 2026 12:02:00 GMT"), false);
    assert.equal(skew.learn(undefined), false);
    assert.equal(skew.learn("yesterday"), false);
    assert.equal(skew.offsetMs, 0);
  });
});

describe("region to control-plane endpoint", () => {
  test("commercial and China regions", () => {
    assert.equal(controlPlaneUrl("us-west-2"), "https://kinesisvideo.us-west-2.amazonaws.com");
    assert.equal(
      controlPlaneUrl("ap-southeast-2"),
      "https://kinesisvideo.ap-southeast-2.amazonaws.com",
    );
    assert.equal(controlPlaneUrl("cn-north-1"), "https://kinesisvideo.cn-north-1.amazonaws.com.cn");
    assert.equal(
      controlPlaneUrl("us-gov-west-1"),
      "https://kinesisvideo.us-gov-west-1.amazonaws.com",
    );
  });
  test("a typo is refused with the value named", () => {
    assert.throws(() => controlPlaneUrl("uswest2"), /"uswest2" is not an AWS region/);
  });
});
