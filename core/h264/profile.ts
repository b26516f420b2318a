/**
 * The H.264 profile a profile-level-id names (RFC 6184 8.1; table 5 of RFC 6184 and H.264
 * A.2): the same profile can be spelled with different bytes (42e01f and 42c01f are both
 * Constrained Baseline), so an answer matches an offer by profile, not by string.
 */

export type H264Profile =
  | "constrained-baseline"
  | "baseline"
  | "main"
  | "extended"
  | "high"
  | "constrained-high"
  | "other";

// profile_idc, then a pattern over the constraint byte, most significant bit first
// (constraint_set0..5, two reserved bits): "1"/"0" must match, "x" is either.
const patterns: [number, string, H264Profile][] = [
  [0x42, "x1xx0000", "constrained-baseline"],
  [0x4d, "1xxx0000", "constrained-baseline"],
  [0x58, "11xx0000", "constrained-baseline"],
  [0x42, "x0xx0000", "baseline"],
  [0x58, "10xx0000", "baseline"],
  [0x4d, "0x0x0000", "main"],
  [0x58, "00xx0000", "extended"],
  [0x64, "00000000", "high"],
  [0x64, "00001100", "constrained-high"],
];

function matches(byte: number, pattern: string): boolean {
  return [...pattern].every((c, i) => c === "x" || Number(c) === ((byte >> (7 - i)) & 1));
}

/** The profile of profile_idc + constraint byte (as in an SPS or a profile-level-id). */
export function h264Profile(profileIdc: number, constraintFlags: number): H264Profile {
  return patterns.find(([idc, pattern]) => idc === profileIdc && matches(constraintFlags, pattern))
    ?.[2] ?? "other";
}

/** Reads an SDP profile-level-id (6 hex digits); undefined when it is not one. */
export function parseProfileLevelId(
  hex: string,
):
  | { profile: H264Profile; profileIdc: number; constraintFlags: number; levelIdc: number }
  | undefined {
  if (!/^[0-9a-fA-F]{6}$/.test(hex)) return undefined;
  const [profileIdc, constraintFlags, levelIdc] = [0, 2, 4].map((i) =>
    parseInt(hex.slice(i, i + 2), 16)
  );
  return {
    profile: h264Profile(profileIdc, constraintFlags),
    profileIdc,
    constraintFlags,
    levelIdc,
  };
}
