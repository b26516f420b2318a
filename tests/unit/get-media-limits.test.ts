import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GetMediaLimits } from "../../core/fragments/get-media-limits.ts";

const errorName = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    return (error as Error).name;
  }
  return "admitted";
};

describe("GetMedia limits", () => {
  test("the sixth call within a second is ClientLimitExceededException; a second later it passes", () => {
    let nowMs = 0;
    const limits = new GetMediaLimits(() => nowMs);
    for (let i = 0; i < 5; i++) limits.admit("a")();
    assert.equal(errorName(() => limits.admit("a")), "ClientLimitExceededException");
    assert.equal(errorName(() => limits.admit("b")()), "admitted", "each stream has its own");
    nowMs += 1000;
    assert.equal(errorName(() => limits.admit("a")()), "admitted");
  });

  test("a fourth open connection is ConnectionLimitExceededException until one is released", () => {
    let nowMs = 0;
    const limits = new GetMediaLimits(() => nowMs);
    const open = [limits.admit("a"), limits.admit("a"), limits.admit("a")];
    nowMs += 1000;
    assert.equal(errorName(() => limits.admit("a")), "ConnectionLimitExceededException");
    open[0]();
    open[0]();
    assert.equal(errorName(() => limits.admit("a")), "admitted");
    assert.equal(
      errorName(() => limits.admit("a")),
      "ConnectionLimitExceededException",
      "a release counts once",
    );
  });
});
