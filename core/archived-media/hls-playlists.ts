/**
 * The HLS playlists of a session, as AWS serves them behind the session URL: the master
 * playlist naming one media playlist, and the media playlist listing a window of fragments,
 * each one segment, with URLs relative to the playlist (so they keep the token).
 */
import type { StoredFragment } from "../fragments/fragment.ts";
import { fragmentTime } from "./playback-request.ts";
import type { PlaybackTrack } from "./playback-tracks.ts";
import type { PlaylistWindow, StreamingSession } from "./streaming-session.ts";

/** ON_DISCONTINUITY marks a gap or overlap between fragments over this (AWS's is not documented). */
const discontinuityToleranceMs = 100;

const tokenQuery = (token: string) => `SessionToken=${encodeURIComponent(token)}`;
const version = (session: StreamingSession) => session.container === "MPEG_TS" ? 3 : 7;

export const hlsPaths = {
  master: "getHLSMasterPlaylist.m3u8",
  media: "getHLSMediaPlaylist.m3u8",
  init: "getMP4InitFragment.mp4",
  mp4Fragment: "getMP4MediaFragment.mp4",
  tsFragment: "getTSFragment.ts",
} as const;

/** The peak bit rate of the fragments: the master playlist's BANDWIDTH. */
export function bandwidth(fragments: readonly StoredFragment[]): number {
  const rates = fragments.map((f) => (f.sizeBytes * 8000) / Math.max(f.durationMs, 1));
  return Math.max(1, Math.ceil(Math.max(0, ...rates)));
}

export function masterPlaylist(
  session: StreamingSession,
  token: string,
  tracks: readonly PlaybackTrack[],
  fragments: readonly StoredFragment[],
): string {
  const video = tracks.find((t) => t.track.kind === "video")?.track.video;
  const attributes = [
    `BANDWIDTH=${bandwidth(fragments)}`,
    `CODECS="${tracks.map((t) => t.codecString).join(",")}"`,
    ...(video ? [`RESOLUTION=${video.width}x${video.height}`] : []),
  ];
  return [
    "#EXTM3U",
    `#EXT-X-VERSION:${version(session)}`,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    `#EXT-X-STREAM-INF:${attributes.join(",")}`,
    `${hlsPaths.media}?${tokenQuery(token)}`,
    "",
  ].join("\n");
}

/** Whether an EXT-X-DISCONTINUITY goes before `listed[i]`. */
function discontinuityBefore(session: StreamingSession, listed: StoredFragment[], i: number) {
  if (i === 0 || session.discontinuity === "NEVER") return false;
  if (session.discontinuity === "ALWAYS") return true;
  const previous = listed[i - 1];
  const previousEnd = fragmentTime(previous, session.selector.source) + previous.durationMs;
  return Math.abs(fragmentTime(listed[i], session.selector.source) - previousEnd) >
    discontinuityToleranceMs;
}

export function mediaPlaylist(
  session: StreamingSession,
  token: string,
  window: PlaylistWindow,
): string {
  const { listed, first, ended } = window;
  const shown = listed.slice(first);
  let discontinuities = 0;
  for (let i = 1; i <= first; i++) if (discontinuityBefore(session, listed, i)) discontinuities++;
  const targetSeconds = Math.max(1, ...shown.map((f) => Math.ceil(f.durationMs / 1000)));
  const lines = [
    "#EXTM3U",
    `#EXT-X-VERSION:${version(session)}`,
    `#EXT-X-TARGETDURATION:${targetSeconds}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuities}`,
  ];
  if (session.mode === "ON_DEMAND") lines.push("#EXT-X-PLAYLIST-TYPE:VOD");
  if (session.container === "FRAGMENTED_MP4") {
    lines.push(`#EXT-X-MAP:URI="${hlsPaths.init}?${tokenQuery(token)}"`);
  }
  const path = session.container === "MPEG_TS" ? hlsPaths.tsFragment : hlsPaths.mp4Fragment;
  shown.forEach((fragment, n) => {
    if (n > 0 && discontinuityBefore(session, listed, first + n)) {
      lines.push("#EXT-X-DISCONTINUITY");
    }
    if (session.displayTimestamps) {
      const at = new Date(fragmentTime(fragment, session.selector.source)).toISOString();
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${at}`);
    }
    lines.push(`#EXTINF:${(fragment.durationMs / 1000).toFixed(3)},`);
    lines.push(`${path}?FragmentNumber=${fragment.fragmentNumber}&${tokenQuery(token)}`);
  });
  if (ended) lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
