/**
 * H.265 in SDP (RFC 7798 7.1): which of an offer's H265 formats to answer with, and the fmtp
 * an answer carries. A format matches the stream by profile-space and profile-id (a decoder of
 * one profile cannot take another); the level is the stream's own in the answer, as browsers
 * and the KVS C SDK send whatever level their encoder picked.
 */
import type { H265Sps } from "../h265/sps.ts";
import type { RtpFormat } from "./offer.ts";

/** The profile, tier and level an H.265 stream declares in SDP. */
export interface H265FormatFacts {
  profileSpace: number;
  profileIdc: number;
  tierFlag: number;
  levelIdc: number;
}

/** RFC 7798's defaults for absent parameters: Main profile, Main tier, level 3.1. */
export const defaultH265Format: H265FormatFacts = {
  profileSpace: 0,
  profileIdc: 1,
  tierFlag: 0,
  levelIdc: 93,
};

/** What a stream declares: its SPS's fields, or the defaults before its first SPS. */
export function h265StreamFormat(sps: H265Sps | undefined): H265FormatFacts {
  if (!sps) return defaultH265Format;
  const { profileSpace, profileIdc, tierFlag, levelIdc } = sps;
  return { profileSpace, profileIdc, tierFlag, levelIdc };
}

/** The offer's first H265 format of the stream's profile, if any. */
export function chooseH265Format(
  formats: readonly RtpFormat[],
  stream: H265FormatFacts,
): RtpFormat | undefined {
  const number = (f: RtpFormat, name: string, fallback: number) => {
    const value = f.parameters.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
  };
  return formats.find((f) =>
    f.codec.toLowerCase() === "h265" &&
    number(f, "profile-space", 0) === stream.profileSpace &&
    number(f, "profile-id", 1) === stream.profileIdc
  );
}

/**
 * The fmtp line value for a stream (tx-mode SRST: one RTP stream, as RFC 7798 requires without
 * the multi-stream parameters).
 */
export function h265FormatParameters(stream: H265FormatFacts): string {
  const space = stream.profileSpace === 0 ? "" : `profile-space=${stream.profileSpace};`;
  return `${space}profile-id=${stream.profileIdc};tier-flag=${stream.tierFlag};` +
    `level-id=${stream.levelIdc};tx-mode=SRST`;
}
