/**
 * What a player fetches behind an HLS session URL: the master and media playlists, the fMP4
 * init segment and each fragment as an fMP4 or MPEG-TS segment. Not SigV4-signed (the
 * SessionToken is the credential), and open to pages of any origin (CORS), as AWS's are.
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
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
import { hlsBasePath } from "./playback-sessions.ts";

const playlistType = "application/vnd.apple.mpegurl";

/** The token's session, what it lists now, and the tracks its segments carry. */
function sessionNow(c: Context<EndpointEnv>) {
  const token = c.req.query("SessionToken");
  const { registry, fragments, playbackSessions } = c.var.endpoint;
  const session = playbackSessions.session(token);
  registry.streamByArn(session.streamArn);
  const window = playlistWindow(session, fragments.fragments(session.streamArn), Date.now());
  const newest = window.listed.at(-1);
  if (!newest) throw resourceNotFound("No fragments are in the session yet.");
  return {
    token: token!,
    session,
    window,
    tracks: playbackTracks(newest.tracks, session.container),
  };
}

/** The listed fragment the request's FragmentNumber names. */
function requestedFragment(c: Context<EndpointEnv>, listed: ReturnType<typeof sessionNow>) {
  const number = c.req.query("FragmentNumber");
  if (!number) throw invalidArgument("FragmentNumber must be given.");
  const fragment = listed.window.listed.find((f) => f.fragmentNumber === number);
  if (!fragment) throw resourceNotFound(`The fragment ${number} is not in this session.`);
  return fragment;
}

async function segment(c: Context<EndpointEnv>, container: "FRAGMENTED_MP4" | "MPEG_TS") {
  const now = sessionNow(c);
  if (now.session.container !== container) {
    throw invalidArgument(`This session's container format is ${now.session.container}.`);
  }
  const fragment = requestedFragment(c, now);
  const bytes = await mediaSegment(
    container,
    now.tracks,
    fragment,
    fragmentTime(fragment, now.session.selector.source),
  );
  return c.body(bytes, 200, {
    "content-type": container === "MPEG_TS" ? "video/mp2t" : "video/mp4",
  });
}

export const hlsPlayback = new Hono<EndpointEnv>().basePath(hlsBasePath);

hlsPlayback.use("*", cors({ origin: "*" }));
hlsPlayback.get(`/${hlsPaths.master}`, (c) => {
  const { token, session, window, tracks } = sessionNow(c);
  return c.body(masterPlaylist(session, token, tracks, window.listed), 200, {
    "content-type": playlistType,
  });
});
hlsPlayback.get(`/${hlsPaths.media}`, (c) => {
  const { token, session, window } = sessionNow(c);
  return c.body(mediaPlaylist(session, token, window), 200, { "content-type": playlistType });
});
hlsPlayback.get(`/${hlsPaths.init}`, async (c) => {
  const { session, window, tracks } = sessionNow(c);
  if (session.container !== "FRAGMENTED_MP4") {
    throw invalidArgument("This session's container format is MPEG_TS: it has no init fragment.");
  }
  return c.body(await fmp4InitSegment(tracks, window.listed.at(-1)!), 200, {
    "content-type": "video/mp4",
  });
});
hlsPlayback.get(`/${hlsPaths.mp4Fragment}`, (c) => segment(c, "FRAGMENTED_MP4"));
hlsPlayback.get(`/${hlsPaths.tsFragment}`, (c) => segment(c, "MPEG_TS"));
