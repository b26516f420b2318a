import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { verifySigV4 } from "../../core/local-endpoint/sigv4-verify.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";

// The test vectors of spec §8.1 and §8.2 (computed by @smithy/signature-v4 and an independent signer).
const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const lookup = (id: string) =>
  id === "AKIDEXAMPLE" ? { accessKeyId: id, secretAccessKey: secret } : undefined;
const signedAt = new Date("2024-01-01T00:00:00Z");
const options = { region: "us-west-2", lookup, now: signedAt };

function headerSigned(overrides: Record<string, string> = {}, body = '{"ChannelName":"test"}') {
  return {
    method: "POST",
    path: "/describeSignalingChannel",
    query: "",
    headers: new Headers({
      "content-length": "22",
      "content-type": "application/json",
      host: "kinesisvideo.us-west-2.amazonaws.com",
      "x-amz-content-sha256": "246acc605013cc32b2866ba0a2a99432450c47cf1f727ac93aa8092457237a1f",
      "x-amz-date": "20240101T000000Z",
      authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-2/kinesisvideo/" +
        "aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;" +
        "x-amz-date, Signature=3e6ea187c64eddcf23e3f7c0a6a4a5ef17f1f3ba0471fa6bf1e89d2ea2b73fca",
      ...overrides,
    }),
    body: new TextEncoder().encode(body),
  };
}

const presignedQuery =
  "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo" +
  "%3Aus-west-2%3A123456789012%3Achannel%2Ftest%2F1234567890123&X-Amz-ClientId=viewer1&" +
  "X-Amz-Credential=AKIDEXAMPLE%2F20240101%2Fus-west-2%2Fkinesisvideo%2Faws4_request&" +
  "X-Amz-Date=20240101T000000Z&X-Amz-Expires=299&X-Amz-Signature=" +
  "c409ea003604b5cf17d13afd558b7cda430c9312c243e3632929f108f647b471&X-Amz-SignedHeaders=host";

function presigned(query = presignedQuery) {
  return {
    method: "GET",
    path: "/",
    query,
    headers: new Headers({ host: "v-1234abcd.kinesisvideo.us-west-2.amazonaws.com" }),
    body: new Uint8Array(),
  };
}

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${error}`);
  return error;
}

describe("SigV4 verification", () => {
  test("accepts the header-signed test vector", async () => {
    const caller = await verifySigV4(headerSigned(), options);
    assert.deepEqual(caller, { accessKeyId: "AKIDEXAMPLE", presigned: false });
  });

  test("accepts the presigned WebSocket URL test vector within its 299 s", async () => {
    const now = new Date(signedAt.getTime() + 298_000);
    assert.equal((await verifySigV4(presigned(), { ...options, now })).presigned, true);
  });

  test("refuses a changed signed header with InvalidSignatureException 403", async () => {
    const error = await refusal(
      verifySigV4(headerSigned({ "content-type": "text/plain" }), options),
    );
    assert.equal(error.errorType, "InvalidSignatureException");
    assert.equal(error.status, 403);
    assert.match(error.message, /does not match the signature you provided/);
  });

  test("ignores a header the client did not sign", async () => {
    await verifySigV4(headerSigned({ "user-agent": "changed", "x-extra": "1" }), options);
  });

  test("refuses a body that does not match the signed payload hash", async () => {
    const error = await refusal(verifySigV4(headerSigned({}, '{"ChannelName":"evil"}'), options));
    assert.equal(error.errorType, "InvalidSignatureException");
  });

  test("refuses a changed query parameter of a presigned URL", async () => {
    const changed = presignedQuery.replace("viewer1", "viewer2");
    const error = await refusal(verifySigV4(presigned(changed), options));
    assert.equal(error.errorType, "InvalidSignatureException");
  });

  test("refuses an expired presigned URL with AWS's 'Signature expired' text", async () => {
    const now = new Date(signedAt.getTime() + 300_000);
    const error = await refusal(verifySigV4(presigned(), { ...options, now }));
    assert.equal(error.status, 403);
    assert.equal(
      error.message,
      "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z " +
        "(20240101T000500Z - 299 sec.)",
    );
  });

  test("refuses clock skew over 5 minutes either way with AWS's texts", async () => {
    const late = await refusal(
      verifySigV4(headerSigned(), { ...options, now: new Date("2024-01-01T00:05:01Z") }),
    );
    assert.equal(
      late.message,
      "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z " +
        "(20240101T000501Z - 5 min.)",
    );
    const early = await refusal(
      verifySigV4(headerSigned(), { ...options, now: new Date("2023-12-31T23:54:59Z") }),
    );
    assert.equal(
      early.message,
      "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z " +
        "(20231231T235459Z + 5 min.)",
    );
  });

  test("refuses an unknown access key, a wrong region and missing auth by AWS's names", async () => {
    const unknown = await refusal(
      verifySigV4(headerSigned(), { ...options, lookup: () => undefined }),
    );
    assert.equal(unknown.errorType, "UnrecognizedClientException");
    const region = await refusal(verifySigV4(headerSigned(), { ...options, region: "eu-west-1" }));
    assert.match(region.message, /scoped to a valid region, not 'us-west-2'/);
    const missing = await refusal(verifySigV4(headerSigned({ authorization: "" }), options));
    assert.equal(missing.errorType, "IncompleteSignatureException");
    const none = headerSigned();
    none.headers.delete("authorization");
    assert.equal(
      (await refusal(verifySigV4(none, options))).errorType,
      "MissingAuthenticationTokenException",
    );
  });

  test("refuses garbage without throwing anything but a ServiceError", async () => {
    for (
      const query of [
        "X-Amz-Signature=1",
        "X-Amz-Signature=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=99999999",
        presignedQuery.replace("X-Amz-Date=20240101T000000Z", "X-Amz-Date=2024"),
        presignedQuery + "&%E0%A4%A=1",
      ]
    ) {
      await refusal(verifySigV4(presigned(query), options));
    }
    for (const authorization of ["AWS4-HMAC-SHA256 Credential=x", "AWS4-HMAC-SHA256 ,,,="]) {
      await refusal(verifySigV4(headerSigned({ authorization }), options));
    }
  });

  // Found by the fuzzer (npm run fuzz, sigv4-verify): a SignedHeaders name that is no HTTP
  // field name made Headers.has throw a TypeError, answered as a 500 InternalFailure.
  test("refuses a SignedHeaders name that is not a header name as a missing header", async () => {
    const authorization =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-2/kinesisvideo/" +
      "aws4_request, SignedHeaders=content-length dHeaders=x;host;x-amz-date;(), Signature=00";
    const error = await refusal(verifySigV4(headerSigned({ authorization }), options));
    assert.equal(error.errorType, "IncompleteSignatureException");
    assert.match(error.message, /missing from the request: content-length dheaders=x, \(\)\./);
  });

  // Found by the fuzzer: a parameter repeated thousands of times cost seconds of signing.
  test("refuses a query of more than 64 parameters before any signing work", async () => {
    const query = `${presignedQuery}${"&X-Amz-ClientId=v".repeat(50_000)}`;
    const started = performance.now();
    const error = await refusal(verifySigV4(presigned(query), options));
    assert.equal(error.errorType, "IncompleteSignatureException");
    assert.equal(error.message, "The query has 50008 parameters; at most 64 are read.");
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  });
});
