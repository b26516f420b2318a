/**
 * GetClip: an MP4 of the fragments in a time range, as AWS cuts it: ClipFragmentSelector with
 * both timestamps required, whole fragments from the first in the range, at most the first
 * 200 fragments or 100 MB of them.
 */
import type { StoredFragment } from "../fragments/fragment.ts";
import { invalidArgument, noDataRetention, resourceNotFound } from "../local-endpoint/errors.ts";
import type { JsonObject } from "../local-endpoint/fields.ts";
import type { StreamRecord } from "../local-endpoint/registry.ts";
import { fragmentSelector, fragmentsInRange, fragmentTime } from "./playback-request.ts";
import { mp4File } from "./media-packaging.ts";
import { playbackTracks } from "./playback-tracks.ts";

export const maxClipFragments = 200;
export const maxClipBytes = 100 * 1024 * 1024;

/** The clip `body` asks for, packaged; AWS's error when it cannot be. */
export function clip(
  body: JsonObject,
  stream: StreamRecord,
  fragments: readonly StoredFragment[],
): Promise<Uint8Array<ArrayBuffer>> {
  if (body.ClipFragmentSelector === undefined || body.ClipFragmentSelector === null) {
    throw invalidArgument("ClipFragmentSelector must be given.");
  }
  const selector = fragmentSelector(body, "ClipFragmentSelector");
  if (selector.range.startMs === undefined || selector.range.endMs === undefined) {
    throw invalidArgument("StartTimestamp and EndTimestamp must both be given.");
  }
  if (stream.dataRetentionInHours === 0) {
    throw noDataRetention(`The stream ${stream.name} does not retain data.`);
  }
  const chosen: StoredFragment[] = [];
  let bytes = 0;
  for (const fragment of fragmentsInRange(fragments, selector)) {
    bytes += fragment.sizeBytes;
    if (chosen.length === maxClipFragments || (chosen.length > 0 && bytes > maxClipBytes)) break;
    chosen.push(fragment);
  }
  if (chosen.length === 0) {
    throw resourceNotFound(
      `No fragments were found in the requested time range of the stream ${stream.name}.`,
    );
  }
  const tracks = playbackTracks(chosen[0].tracks, "MP4");
  // A plain MP4's timeline starts at 0: the clip's first fragment starts it.
  const originMs = fragmentTime(chosen[0], selector.source);
  return mp4File(
    tracks,
    chosen.map((fragment) => ({
      fragment,
      startMs: fragmentTime(fragment, selector.source) - originMs,
    })),
  );
}
