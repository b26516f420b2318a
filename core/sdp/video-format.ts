/**
 * The video format a master answers with: the codec its source is, and that codec's facts in
 * SDP (H.264's profile-level-id, H.265's profile, tier and level; VP8 has none). An offer that
 * has no format for the stream is refused with a reason naming what the master sends and what
 * the offer has.
 */
import type { Sps } from "../h264/sps.ts";
import type { H265Sps } from "../h265/sps.ts";
import { type VideoCodec, videoCodecName } from "../media/video-codec.ts";
import { chooseH264Format, h264AnswerParameters, streamProfileLevelId } from "./h264-format.ts";
import {
  chooseH265Format,
  type H265FormatFacts,
  h265FormatParameters,
  h265StreamFormat,
} from "./h265-format.ts";
import type { MediaSection, RtpFormat } from "./offer.ts";

export type VideoFormat =
  | { codec: "h264"; profileLevelId: string }
  | { codec: "h265"; h265: H265FormatFacts }
  | { codec: "vp8" };

/** The rtpmap encoding name of each codec. */
export const rtpEncodingName: Readonly<Record<VideoCodec, string>> = {
  h264: "H264",
  h265: "H265",
  vp8: "VP8",
};

/** A stream's format from what its ingest knows (the defaults before its first SPS). */
export function streamVideoFormat(
  codec: VideoCodec,
  sps: { h264?: Sps; h265?: H265Sps },
): VideoFormat {
  if (codec === "h264") return { codec, profileLevelId: streamProfileLevelId(sps.h264) };
  if (codec === "h265") return { codec, h265: h265StreamFormat(sps.h265) };
  return { codec };
}

/** What the answer carries: the offer's format for the stream and the answer's fmtp. */
export interface AnsweredFormat {
  format: RtpFormat;
  /** The fmtp value; VP8 has none. */
  parameters?: string;
}

/** The offer's format for the stream, or the reason it has none. */
export function chooseVideoFormat(
  formats: readonly RtpFormat[],
  stream: VideoFormat,
): AnsweredFormat | { refused: string } {
  let format: RtpFormat | undefined;
  let parameters: string | undefined;
  let wanted: string;
  if (stream.codec === "h264") {
    format = chooseH264Format(formats, stream.profileLevelId);
    parameters = h264AnswerParameters(stream.profileLevelId);
    wanted = `H.264 packetization-mode=1 format for profile-level-id ${stream.profileLevelId}`;
  } else if (stream.codec === "h265") {
    format = chooseH265Format(formats, stream.h265);
    parameters = h265FormatParameters(stream.h265);
    wanted = `H.265 format for profile-id ${stream.h265.profileIdc}`;
  } else {
    format = formats.find((f) => f.codec.toLowerCase() === "vp8");
    wanted = "VP8 format";
  }
  if (format) return { format, parameters };
  return {
    refused: `the offer has no ${wanted} (the master sends ${
      videoCodecName[stream.codec]
    }; the offer has ${offeredCodecs(formats)})`,
  };
}

/** The video codecs of an offer's formats, once each ("H264, VP8"), without RTX, RED, FEC. */
function offeredCodecs(formats: readonly RtpFormat[]): string {
  const helpers = new Set(["rtx", "red", "ulpfec", "flexfec-03"]);
  const names = [...new Set(formats.map((f) => f.codec))]
    .filter((name) => !helpers.has(name.toLowerCase()));
  return names.length > 0 ? names.join(", ") : "no video codec";
}

/**
 * The video codec an answer's first sending video section carries (its first format), or
 * undefined when it has none that kvsrtc takes.
 */
export function answeredVideoCodec(sections: readonly MediaSection[]): VideoCodec | undefined {
  const video = sections.find((s) => s.kind === "video" && s.formats.length > 0);
  const encoding = video?.formats[0].codec.toUpperCase();
  return (Object.keys(rtpEncodingName) as VideoCodec[])
    .find((codec) => rtpEncodingName[codec] === encoding);
}
