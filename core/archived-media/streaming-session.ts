/**
 * An HLS (or DASH) streaming session: what GetHLSStreamingSessionURL asked for, checked as AWS
 * checks it, and which of the stream's fragments its media playlist lists at a given moment.
 */
import type { StoredFragment } from "../fragments/fragment.ts";
import { invalidArgument, noDataRetention, resourceNotFound } from "../local-endpoint/errors.ts";
import { type JsonObject, optionalEnum, optionalInteger } from "../local-endpoint/fields.ts";
import type { StreamRecord } from "../local-endpoint/registry.ts";
import {
  type FragmentSelector,
  fragmentSelector,
  fragmentsInRange,
  fragmentTime,
} from "./playback-request.ts";
import { playbackTracks } from "./playback-tracks.ts";

export type PlaybackMode = "LIVE" | "LIVE_REPLAY" | "ON_DEMAND";
export type DiscontinuityMode = "ALWAYS" | "NEVER" | "ON_DISCONTINUITY";

/** The members in which the two session requests differ. */
const members = {
  HLS: { selector: "HLSFragmentSelector", maxFragments: "MaxMediaPlaylistFragmentResults" },
  DASH: { selector: "DASHFragmentSelector", maxFragments: "MaxManifestFragmentResults" },
} as const;

export interface StreamingSession {
  protocol: "HLS" | "DASH";
  streamArn: string;
  mode: PlaybackMode;
  selector: FragmentSelector;
  container: "FRAGMENTED_MP4" | "MPEG_TS";
  discontinuity: DiscontinuityMode;
  displayTimestamps: boolean;
  maxFragments: number;
  createdMs: number;
  expiresMs: number;
}

/** A LIVE session needs a fragment this recent when it is made (AWS: the last 30 seconds). */
const liveEdgeMs = 30_000;
/** AWS: ON_DEMAND ranges are at most 24 hours. */
const maxOnDemandRangeMs = 24 * 3600_000;

/**
 * The session GetHLSStreamingSessionURL's (or GetDASHStreamingSessionURL's) `body` asks for, or
 * AWS's error. DASH has no ContainerFormat (always fMP4) and no DiscontinuityMode.
 */
export function streamingSession(
  body: JsonObject,
  stream: StreamRecord,
  fragments: readonly StoredFragment[],
  nowMs: number,
  protocol: "HLS" | "DASH" = "HLS",
): StreamingSession {
  const key = members[protocol];
  const hlsOnly = protocol === "HLS" ? body : {};
  const mode = optionalEnum(body, "PlaybackMode", ["LIVE", "LIVE_REPLAY", "ON_DEMAND"]) ?? "LIVE";
  const selector = fragmentSelector(body, key.selector);
  const container = optionalEnum(hlsOnly, "ContainerFormat", ["FRAGMENTED_MP4", "MPEG_TS"]) ??
    "FRAGMENTED_MP4";
  const discontinuity = optionalEnum(hlsOnly, "DiscontinuityMode", [
    "ALWAYS",
    "NEVER",
    "ON_DISCONTINUITY",
  ]) ?? (selector.source === "SERVER_TIMESTAMP" ? "ALWAYS" : "NEVER");
  const display = optionalEnum(body, "DisplayFragmentTimestamp", ["ALWAYS", "NEVER"]) ?? "NEVER";
  const expires = optionalInteger(body, "Expires", 300, 43_200) ?? 300;
  const maxFragments = optionalInteger(body, key.maxFragments, 1, 5000) ??
    (mode === "ON_DEMAND" ? 1000 : 5);
  const { startMs, endMs } = selector.range;
  if (mode === "LIVE" && (startMs !== undefined || endMs !== undefined)) {
    throw invalidArgument("TimestampRange must not be given when PlaybackMode is LIVE.");
  }
  if (mode !== "LIVE" && startMs === undefined) {
    throw invalidArgument(`StartTimestamp must be given when PlaybackMode is ${mode}.`);
  }
  if (mode === "ON_DEMAND" && endMs === undefined) {
    throw invalidArgument("EndTimestamp must be given when PlaybackMode is ON_DEMAND.");
  }
  if (mode === "ON_DEMAND" && endMs! - startMs! > maxOnDemandRangeMs) {
    throw invalidArgument("The TimestampRange must not span more than 24 hours.");
  }
  if (stream.dataRetentionInHours === 0) {
    throw noDataRetention(`The stream ${stream.name} does not retain data.`);
  }
  const session: StreamingSession = {
    protocol,
    streamArn: stream.arn,
    mode,
    selector,
    container,
    discontinuity,
    displayTimestamps: display === "ALWAYS",
    maxFragments,
    createdMs: nowMs,
    expiresMs: nowMs + expires * 1000,
  };
  const candidates = mode === "LIVE"
    ? fragments.filter((f) => f.serverTimestampMs >= nowMs - liveEdgeMs)
    : fragmentsInRange(fragments, selector);
  if (candidates.length === 0) {
    throw resourceNotFound(
      mode === "LIVE"
        ? `No fragments were found in the last 30 seconds of the stream ${stream.name}.`
        : `No fragments were found in the requested time range of the stream ${stream.name}.`,
    );
  }
  // The codecs are checked on the newest fragment, as the playlists' init segment is built.
  playbackTracks(candidates.at(-1)!.tracks, container);
  return session;
}

export interface PlaylistWindow {
  /** Every fragment the session has listed so far, in timeline order. */
  listed: StoredFragment[];
  /** The first of `listed` the playlist still lists: its EXT-X-MEDIA-SEQUENCE. */
  first: number;
  /** No fragment will be added: EXT-X-ENDLIST. */
  ended: boolean;
}

/**
 * The media playlist's fragments at `nowMs`. ON_DEMAND: the range's first `maxFragments`,
 * ended. LIVE: the newest `maxFragments` by server time, never ended. LIVE_REPLAY (how AWS
 * paces it is not documented; a guess): the range replayed from StartTimestamp at real-time
 * pace, a fragment listed once as much time has passed since the session began as lies between
 * StartTimestamp and it, the newest `maxFragments` of those; ended once the range has an end
 * and all of it is listed.
 */
export function playlistWindow(
  session: StreamingSession,
  fragments: readonly StoredFragment[],
  nowMs: number,
): PlaylistWindow {
  const { mode, selector, maxFragments } = session;
  if (mode === "ON_DEMAND") {
    return {
      listed: fragmentsInRange(fragments, selector).slice(0, maxFragments),
      first: 0,
      ended: true,
    };
  }
  const ordered = mode === "LIVE"
    ? fragmentsInRange(fragments, { source: "SERVER_TIMESTAMP", range: {} })
    : fragmentsInRange(fragments, selector);
  const replayedUntil = selector.range.startMs! + (nowMs - session.createdMs);
  const listed = mode === "LIVE"
    ? ordered
    : ordered.filter((f) => fragmentTime(f, selector.source) <= replayedUntil);
  const ended = mode === "LIVE_REPLAY" && selector.range.endMs !== undefined &&
    selector.range.endMs <= nowMs && listed.length === ordered.length;
  return { listed, first: Math.max(0, listed.length - maxFragments), ended };
}
