/**
 * The archived-media operations that hand out playback: GetHLSStreamingSessionURL (a session
 * URL whose token the unsigned routes of hls-playback.ts honour), GetDASHStreamingSessionURL
 * (not offered: AWS's error naming it) and GetClip (the MP4 itself).
 */
import type { Context } from "hono";
import { clip } from "../../../core/archived-media/clip.ts";
import { streamingSession } from "../../../core/archived-media/streaming-session.ts";
import { hlsPaths } from "../../../core/archived-media/hls-playlists.ts";
import { streamFrom } from "../../../core/local-endpoint/control-plane.ts";
import { invalidArgument } from "../../../core/local-endpoint/errors.ts";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { endpointUrls } from "./control-plane.ts";

/** Where AWS serves a session's HLS resources, below the data endpoint. */
export const hlsBasePath = "/hls/v1";

export function getHlsStreamingSessionUrl(c: Context<EndpointEnv>) {
  const body = parseJsonObject(c.var.body);
  const { registry, fragments, playbackSessions } = c.var.endpoint;
  const stream = streamFrom(body, registry);
  const session = streamingSession(body, stream, fragments.fragments(stream.arn), Date.now());
  const token = encodeURIComponent(playbackSessions.issue(session));
  const base = `${endpointUrls(c).https}${hlsBasePath}`;
  return c.json({ HLSStreamingSessionURL: `${base}/${hlsPaths.master}?SessionToken=${token}` });
}

export function getDashStreamingSessionUrl(c: Context<EndpointEnv>): never {
  streamFrom(parseJsonObject(c.var.body), c.var.endpoint.registry);
  throw invalidArgument(
    "GetDASHStreamingSessionURL is not supported by this local endpoint: use " +
      "GetHLSStreamingSessionURL (the same fragments as HLS, fMP4 or MPEG-TS).",
  );
}

export async function getClip(c: Context<EndpointEnv>) {
  const body = parseJsonObject(c.var.body);
  const { registry, fragments } = c.var.endpoint;
  const stream = streamFrom(body, registry);
  const mp4 = await clip(body, stream, fragments.fragments(stream.arn));
  return c.body(mp4, 200, { "content-type": "video/mp4" });
}
