/**
 * The archived-media operations that hand out playback: GetHLSStreamingSessionURL and
 * GetDASHStreamingSessionURL (a session URL whose token the unsigned routes of
 * session-playback.ts honour) and GetClip (the MP4 itself).
 */
import type { Context } from "hono";
import { clip } from "../../../core/archived-media/clip.ts";
import { streamingSession } from "../../../core/archived-media/streaming-session.ts";
import { hlsPaths } from "../../../core/archived-media/hls-playlists.ts";
import { dashManifestPath } from "../../../core/archived-media/dash-manifest.ts";
import { streamFrom } from "../../../core/local-endpoint/control-plane.ts";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { endpointUrls } from "./control-plane.ts";

/** Where AWS serves a session's resources, below the data endpoint. */
export const sessionBasePaths = { HLS: "/hls/v1", DASH: "/dash/v1" } as const;

function sessionUrl(c: Context<EndpointEnv>, protocol: "HLS" | "DASH", first: string) {
  const body = parseJsonObject(c.var.body);
  const { registry, fragments, playbackSessions } = c.var.endpoint;
  const stream = streamFrom(body, registry);
  const session = streamingSession(
    body,
    stream,
    fragments.fragments(stream.arn),
    Date.now(),
    protocol,
  );
  const token = encodeURIComponent(playbackSessions.issue(session));
  return `${endpointUrls(c).https}${sessionBasePaths[protocol]}/${first}?SessionToken=${token}`;
}

export function getHlsStreamingSessionUrl(c: Context<EndpointEnv>) {
  return c.json({ HLSStreamingSessionURL: sessionUrl(c, "HLS", hlsPaths.master) });
}

export function getDashStreamingSessionUrl(c: Context<EndpointEnv>) {
  return c.json({ DASHStreamingSessionURL: sessionUrl(c, "DASH", dashManifestPath) });
}

export async function getClip(c: Context<EndpointEnv>) {
  const body = parseJsonObject(c.var.body);
  const { registry, fragments } = c.var.endpoint;
  const stream = streamFrom(body, registry);
  const mp4 = await clip(body, stream, fragments.fragments(stream.arn));
  return c.body(mp4, 200, { "content-type": "video/mp4" });
}
