/**
 * Which of an offer's H.264 formats to answer with: packetization-mode 1 (what our packetizer
 * makes, FU-A and STAP-A) and the profile of the stream we send, matched by profile, not by
 * the spelling of profile-level-id (RFC 6184 8.2.2).
 */
import { parseProfileLevelId } from "../h264/profile.ts";
import { profileLevelId, type Sps } from "../h264/sps.ts";
import type { RtpFormat } from "./offer.ts";

/** The offer's format for a stream of this profile-level-id, preferring the same profile. */
export function chooseH264Format(
  formats: readonly RtpFormat[],
  streamProfileLevelId: string,
): RtpFormat | undefined {
  const stream = parseProfileLevelId(streamProfileLevelId);
  const candidates = formats.filter((f) =>
    f.codec.toLowerCase() === "h264" && f.parameters.get("packetization-mode") === "1"
  );
  const profileOf = (f: RtpFormat) =>
    parseProfileLevelId(f.parameters.get("profile-level-id") ?? "42001f")?.profile;
  const same = candidates.find((f) => profileOf(f) === stream?.profile);
  if (same || !stream) return same;
  // A Constrained Baseline stream is also valid Baseline, Main and High (its tools are a subset).
  if (stream.profile === "constrained-baseline") {
    return candidates.find((f) => ["baseline", "main", "high"].includes(profileOf(f) ?? ""));
  }
  return undefined;
}

/** The fmtp line value an answer uses for a stream: its own profile and level. */
export function h264AnswerParameters(streamProfileLevelId: string): string {
  return `profile-level-id=${streamProfileLevelId};packetization-mode=1;level-asymmetry-allowed=1`;
}

/** Constrained Baseline level 3.1: what an answer claims before the stream's first SPS. */
export const defaultProfileLevelId = "42e01f";

/** The profile-level-id an answer carries for a stream: its SPS's, or the default. */
export function streamProfileLevelId(sps: Sps | undefined): string {
  return sps ? profileLevelId(sps) : defaultProfileLevelId;
}
