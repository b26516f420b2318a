import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import { PutMediaAdmission } from "../../core/local-endpoint/put-media-admission.ts";

const refusedAs = (name: string) => (e: unknown) =>
  e instanceof ServiceError && e.errorType === name && e.status === 400;

describe("PutMedia admission", () => {
  test("one open connection a stream: the newer one is refused until the open one ends", () => {
    let now = 0;
    const admission = new PutMediaAdmission(() => now);
    const release = admission.admit("arn:a");
    now += 1000;
    assert.throws(() => admission.admit("arn:a"), refusedAs("ConnectionLimitExceededException"));
    admission.admit("arn:b")(); // another stream is not affected
    release();
    release(); // twice is once
    now += 1000;
    admission.admit("arn:a");
  });

  test("more than 5 calls a second to a stream is ClientLimitExceededException", () => {
    let now = 0;
    const admission = new PutMediaAdmission(() => now);
    for (let i = 0; i < 5; i++) admission.admit("arn:a")();
    assert.throws(() => admission.admit("arn:a"), refusedAs("ClientLimitExceededException"));
    now += 200;
    admission.admit("arn:a")();
  });
});
