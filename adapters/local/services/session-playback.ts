/**
 * What a player fetches behind a session URL: for HLS (/hls/v1) the master and media playlists,
 * for DASH (/dash/v1) the manifest, and for both the fMP4 init segment and each fragment as a
 * segment (fMP4, or MPEG-TS for an HLS session that asked for it). Not SigV4-signed (the
 * SessionToken is the credential), and open to pages of any origin (CORS), as AWS's are.
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { dashManifest, dashManifestPath } from "../../../core/archived-media/dash-manifest.ts";
import { fmp4InitSegment, mediaSegment } from "../../../core/archived-media/media-packaging.ts";
import {
  hlsPaths,
  masterPlaylist,
  mediaPlaylist,
} from "../../../core/archived-media/hls-playlists.ts";
import { fragmentTime } from "../../../core/archived-media/playback-request.ts";
import { playbackTracks } from "../../../core/archived-media/playback-tracks.ts";
import { playlistWindow } from "../../../core/archived-media/streaming-session.ts";
import { invalidArgument, resourceNotFound } from "../../../core/local-endpoint/errors.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { sessionBasePaths } from "./playback-sessions.ts";

type Protocol = keyof typeof sessionBasePaths;

/** The token's session (of `protocol`), what it lists now, and the tracks its segments carry. */
function sessionNow(c: Context<EndpointEnv>, protocol: Protocol) {
  const token = c.req.query("SessionToken");
  const { registry, fragments, playbackSessions } = c.var.endpoint;
  const session = playbackSessions.session(token);
  if (session.protocol !== protocol) {
    throw invalidArgument(`This SessionToken is of a ${session.protocol} session.`);
  }
  registry.streamByArn(session.streamArn);
  const now = Date.now();
  const window = playlistWindow(session, fragments.fragments(session.streamArn), now);
  const newest = window.listed.at(-1);
  if (!newest) throw resourceNotFound("No fragments are in the session yet.");
  const tracks = playbackTracks(newest.tracks, session.container);
  return { token: token!, session, window, tracks, now };
}

type SessionNow = ReturnType<typeof sessionNow>;

/** The listed fragment the request's FragmentNumber names. */
function requestedFragment(c: Context<EndpointEnv>, { window }: SessionNow) {
  const number = c.req.query("FragmentNumber");
  if (!number) throw invalidArgument("FragmentNumber must be given.");
  const fragment = window.listed.find((f) => f.fragmentNumber === number);
  if (!fragment) throw resourceNotFound(`The fragment ${number} is not in this session.`);
  return fragment;
}

function text(c: Context<EndpointEnv>, body: string, type: string) {
  return c.body(body, 200, { "content-type": type });
}

function segmentRoute(protocol: Protocol, container: "FRAGMENTED_MP4" | "MPEG_TS") {
  return async (c: Context<EndpointEnv>) => {
    const now = sessionNow(c, protocol);
    if (now.session.container !== container) {
      throw invalidArgument(`This session's container format is ${now.session.container}.`);
    }
    const fragment = requestedFragment(c, now);
    const startMs = fragmentTime(fragment, now.session.selector.source);
    const bytes = await mediaSegment(container, now.tracks, fragment, startMs);
    return c.body(bytes, 200, {
      "content-type": container === "MPEG_TS" ? "video/mp2t" : "video/mp4",
    });
  };
}

function initRoute(protocol: Protocol) {
  return async (c: Context<EndpointEnv>) => {
    const { session, window, tracks } = sessionNow(c, protocol);
    if (session.container !== "FRAGMENTED_MP4") {
      throw invalidArgument("This session's container format is MPEG_TS: it has no init fragment.");
    }
    const init = await fmp4InitSegment(tracks, window.listed.at(-1)!);
    return c.body(init, 200, { "content-type": "video/mp4" });
  };
}

const hls = new Hono<EndpointEnv>();
hls.get(`/${hlsPaths.master}`, (c) => {
  const { token, session, window, tracks } = sessionNow(c, "HLS");
  const playlist = masterPlaylist(session, token, tracks, window.listed);
  return text(c, playlist, "application/vnd.apple.mpegurl");
});
hls.get(`/${hlsPaths.media}`, (c) => {
  const { token, session, window } = sessionNow(c, "HLS");
  return text(c, mediaPlaylist(session, token, window), "application/vnd.apple.mpegurl");
});
hls.get(`/${hlsPaths.init}`, initRoute("HLS"));
hls.get(`/${hlsPaths.mp4Fragment}`, segmentRoute("HLS", "FRAGMENTED_MP4"));
hls.get(`/${hlsPaths.tsFragment}`, segmentRoute("HLS", "MPEG_TS"));

const dash = new Hono<EndpointEnv>();
dash.get(`/${dashManifestPath}`, (c) => {
  const { token, session, window, tracks, now } = sessionNow(c, "DASH");
  return text(c, dashManifest(session, token, tracks, window, now), "application/dash+xml");
});
dash.get(`/${hlsPaths.init}`, initRoute("DASH"));
dash.get(`/${hlsPaths.mp4Fragment}`, segmentRoute("DASH", "FRAGMENTED_MP4"));

export const sessionPlayback = new Hono<EndpointEnv>();
sessionPlayback.use(`${sessionBasePaths.HLS}/*`, cors({ origin: "*" }));
sessionPlayback.use(`${sessionBasePaths.DASH}/*`, cors({ origin: "*" }));
sessionPlayback.route(sessionBasePaths.HLS, hls);
sessionPlayback.route(sessionBasePaths.DASH, dash);
