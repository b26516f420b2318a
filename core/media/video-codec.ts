/**
 * The video codecs kvsrtc carries, by one name each through sources, frames, SDP, RTP and
 * the viewer's output. What a user reads is `videoCodecName`.
 */

export type VideoCodec = "h264" | "h265" | "vp8";

export const videoCodecs: readonly VideoCodec[] = ["h264", "h265", "vp8"];

/** How a message names a codec: "H.264", "H.265", "VP8". */
export const videoCodecName: Readonly<Record<VideoCodec, string>> = {
  h264: "H.264",
  h265: "H.265",
  vp8: "VP8",
};

/** A codec named on a command line (`--codec h265`), or undefined when it is not one. */
export function parseVideoCodec(text: string): VideoCodec | undefined {
  const name = text.toLowerCase().replace(/^hevc$/, "h265").replace(/^avc$/, "h264");
  return (videoCodecs as readonly string[]).includes(name) ? name as VideoCodec : undefined;
}
