import { test } from "node:test";
import assert from "node:assert/strict";
import { timestampNewer } from "../../core/rtp/timestamp.ts";

test("RTP timestamps compare on the 32-bit circle, across the wrap", () => {
  const cases: [number, number, boolean][] = [
    [3000, 0, true],
    [0, 3000, false],
    [3000, 3000, false],
    [1000, 0xffffff00, true], // wrapped past zero
    [0xffffff00, 1000, false],
  ];
  for (const [a, b, newer] of cases) assert.equal(timestampNewer(a, b), newer, `${a} vs ${b}`);
});
