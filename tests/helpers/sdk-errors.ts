/** Test-side handling of the errors the AWS SDK clients throw. */
import assert from "node:assert/strict";

/** The error a call failed with (failing the test if it succeeded), with the SDK's metadata. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof Error, "expected the call to fail");
  return error;
}
