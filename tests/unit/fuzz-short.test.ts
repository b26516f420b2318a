/**
 * A short budget of the fuzz suite (npm run fuzz runs 100,000 cases a target): every target
 * for a few thousand seeded cases, in this process, none of which may crash or hang.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runTarget } from "../../scripts/fuzz/engine.ts";
import { fuzzTargets } from "../../scripts/fuzz/targets/mod.ts";

const cases = 2000;

describe("fuzz targets, short run", () => {
  for (const target of fuzzTargets) {
    test(`${target.name}: ${cases} cases without a crash or a hang`, async () => {
      const summary = await runTarget(target, { seed: 1, cases });
      assert.equal(summary.cases, cases);
      const findings = summary.findings.map((f) => `case ${f.case}: ${f.kind}: ${f.error}`);
      assert.deepEqual([summary.crashes, summary.hangs, findings], [0, 0, []]);
    });
  }
});
