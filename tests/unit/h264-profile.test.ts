import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseProfileLevelId } from "../../core/h264/profile.ts";

describe("H.264 profile-level-id names a profile", () => {
  const cases = [
    { id: "42e01f", profile: "constrained-baseline", level: 31 }, // browsers' usual offer
    { id: "42c01f", profile: "constrained-baseline", level: 31 }, // x264's SPS (the sample)
    { id: "4d801f", profile: "constrained-baseline", level: 31 },
    { id: "42001f", profile: "baseline", level: 31 },
    { id: "4d001f", profile: "main", level: 31 },
    { id: "640028", profile: "high", level: 40 },
    { id: "640c1f", profile: "constrained-high", level: 31 },
    { id: "f4001f", profile: "other", level: 31 },
  ];
  for (const c of cases) {
    test(`${c.id} is ${c.profile}`, () => {
      const parsed = parseProfileLevelId(c.id);
      assert.equal(parsed?.profile, c.profile);
      assert.equal(parsed?.levelIdc, c.level);
    });
  }

  test("anything but six hex digits is not a profile-level-id", () => {
    for (const bad of ["42e01", "42e01fz", "zze01f", ""]) {
      assert.equal(parseProfileLevelId(bad), undefined);
    }
  });
});
