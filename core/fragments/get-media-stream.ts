/**
 * A stored fragment as GetMedia and GetMediaForFragmentList send it: a "chunk", one whole
 * Matroska document per fragment, with the service's AWS_KINESISVIDEO_* tags.
 *
 * What AWS sends, read from real GetMedia output kept as test resources by
 * aws/amazon-kinesis-video-streams-parser-library (src/test/resources/output_get_media.mkv,
 * test_mixed_tags.mkv, empty-mkv-with-tags.mkv; hex-dumped), its FragmentMetadata.java and
 * FragmentMetadataVisitor.java, and the SDK model's GetMediaOutput documentation:
 * - Every fragment is re-headered: EBML header, a Segment of unknown size, the producer's
 *   Info and Tracks, then a Tags element with AWS_KINESISVIDEO_FRAGMENT_NUMBER,
 *   AWS_KINESISVIDEO_SERVER_TIMESTAMP and AWS_KINESISVIDEO_PRODUCER_TIMESTAMP, BEFORE the
 *   Cluster; after the Cluster (and after the producer's own Tags, kept where it sent them) a
 *   second Tags with AWS_KINESISVIDEO_MILLIS_BEHIND_NOW and AWS_KINESISVIDEO_CONTINUATION_TOKEN.
 *   The next fragment starts with its own EBML header, which ends the previous Segment.
 * - Each Tags holds one Tag of SimpleTags (TagName, TagString), no Targets.
 * - The Cluster is passed through as the producer framed it: known size from a muxer that
 *   sizes clusters, unknown size (0xFF) from the KVS producer SDKs. The store keeps frames, not
 *   that framing, so this writer sends what producer-c sends: unknown size. Its Timecode is
 *   the producer's as sent; the store holds it as absolute ms, so RELATIVE uploads come back
 *   with absolute Cluster timecodes (AWS would echo the relative ones).
 * - Timestamps are seconds with three decimals ("1511852109.126"); MILLIS_BEHIND_NOW is whole
 *   ms; the continuation token is the chunk's own fragment number (a resume starts after it).
 * - Errors (documented, not seen in a sample): AWS_KINESISVIDEO_ERROR_ID (integer: 3002 error
 *   writing to the stream, 4000 requested fragment not found, 4500-4506 KMS, 5000 internal)
 *   and AWS_KINESISVIDEO_ERROR_CODE (a string) beside AWS_KINESISVIDEO_FRAGMENT_NUMBER and no
 *   SERVER_TIMESTAMP (that absence is how the parser library tells an error chunk). The error
 *   code strings are not documented: the names below are guesses.
 * - GetMediaForFragmentList's chunks carry, as its API documentation names them,
 *   AWS_KINESISVIDEO_FRAGMENT_NUMBER, AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP and
 *   AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP (no continuation token); on an error,
 *   AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE (an integer) and AWS_KINESISVIDEO_EXCEPTION_MESSAGE.
 *   No sample of that output was found; the documented names are used as they are.
 */
import type { FragmentTag, StoredFragment } from "./fragment.ts";
import {
  clusterStart,
  ebmlHeader,
  mkvHeader,
  simpleBlock,
  tagsElement,
} from "../mkv/mkv-writer.ts";
import { EbmlId, openElement } from "../mkv/ebml.ts";

export const getMediaTag = {
  fragmentNumber: "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
  serverTimestamp: "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
  producerTimestamp: "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP",
  millisBehindNow: "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW",
  continuationToken: "AWS_KINESISVIDEO_CONTINUATION_TOKEN",
  errorCode: "AWS_KINESISVIDEO_ERROR_CODE",
  errorId: "AWS_KINESISVIDEO_ERROR_ID",
} as const;

export const fragmentListTag = {
  fragmentNumber: "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
  serverTimestamp: "AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP",
  producerTimestamp: "AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP",
  exceptionErrorCode: "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE",
  exceptionMessage: "AWS_KINESISVIDEO_EXCEPTION_MESSAGE",
} as const;

/** A GetMedia error as its tags carry it: the documented id, and a name (ours, a guess). */
export interface GetMediaError {
  id: number;
  code: string;
}

export const getMediaErrors = {
  writeFailed: { id: 3002, code: "ERROR_WRITING_TO_STREAM" },
  fragmentNotFound: { id: 4000, code: "FRAGMENT_NOT_FOUND" },
  internal: { id: 5000, code: "INTERNAL_ERROR" },
} as const satisfies Record<string, GetMediaError>;

/** Ms since the epoch as AWS's tags write them: seconds with three decimals. */
export function secondsWithMillis(ms: number): string {
  const whole = Math.trunc(ms);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, "0")}`;
}

/** The fragment's Cluster (unknown size) and, after it, the producer's own Tags if it sent any. */
function clusterOf(fragment: StoredFragment): Uint8Array[] {
  // GetMedia writes the 1 ms timecode scale; a producer's finer scale is rounded to it.
  const clusterMs = Math.round(fragment.producerTimestampMs);
  const pieces = clusterStart(clusterMs);
  for (const frame of fragment.frames) {
    const offset = Math.round(frame.timecodeMs) - clusterMs;
    pieces.push(...simpleBlock(frame.track, offset, frame.keyframe, [frame.data]));
  }
  if (fragment.tags.length > 0) pieces.push(...tagsElement(fragment.tags));
  return pieces;
}

/** One 16-byte SegmentUID for every chunk of one response, so they read as one recording. */
export type SegmentUid = Uint8Array;

/** A GetMedia chunk: the fragment, its tags before and after, the continuation token. */
export function getMediaChunk(
  fragment: StoredFragment,
  options: { nowMs: number; segmentUid: SegmentUid },
): Uint8Array[] {
  return [
    ...mkvHeader({ tracks: fragment.tracks, segmentUid: options.segmentUid }),
    ...tagsElement([
      { name: getMediaTag.fragmentNumber, value: fragment.fragmentNumber },
      { name: getMediaTag.serverTimestamp, value: secondsWithMillis(fragment.serverTimestampMs) },
      {
        name: getMediaTag.producerTimestamp,
        value: secondsWithMillis(fragment.producerTimestampMs),
      },
    ]),
    ...clusterOf(fragment),
    ...tagsElement([
      {
        name: getMediaTag.millisBehindNow,
        value: String(Math.max(0, Math.trunc(options.nowMs - fragment.serverTimestampMs))),
      },
      { name: getMediaTag.continuationToken, value: fragment.fragmentNumber },
    ]),
  ];
}

/** A GetMediaForFragmentList chunk: the fragment with the archived-media tag names. */
export function fragmentListChunk(
  fragment: StoredFragment,
  segmentUid: SegmentUid,
): Uint8Array[] {
  return [
    ...mkvHeader({ tracks: fragment.tracks, segmentUid }),
    ...tagsElement([
      { name: fragmentListTag.fragmentNumber, value: fragment.fragmentNumber },
      {
        name: fragmentListTag.serverTimestamp,
        value: secondsWithMillis(fragment.serverTimestampMs),
      },
      {
        name: fragmentListTag.producerTimestamp,
        value: secondsWithMillis(fragment.producerTimestampMs),
      },
    ]),
    ...clusterOf(fragment),
  ];
}

/** An EBML header and a Segment holding only a Tags: how an error reaches a reader mid-stream. */
function tagsOnlyDocument(tags: readonly FragmentTag[]): Uint8Array[] {
  return [...ebmlHeader(), openElement(EbmlId.segment), ...tagsElement(tags)];
}

/** The chunk that ends a GetMedia response on an error (guessed shape: no sample was found). */
export function getMediaErrorChunk(fragmentNumber: string, error: GetMediaError): Uint8Array[] {
  return tagsOnlyDocument([
    { name: getMediaTag.fragmentNumber, value: fragmentNumber },
    { name: getMediaTag.errorId, value: String(error.id) },
    { name: getMediaTag.errorCode, value: error.code },
  ]);
}

/** The chunk GetMediaForFragmentList sends for a listed fragment it cannot send. */
export function fragmentListErrorChunk(
  fragmentNumber: string,
  error: GetMediaError,
  message: string,
): Uint8Array[] {
  return tagsOnlyDocument([
    { name: fragmentListTag.fragmentNumber, value: fragmentNumber },
    { name: fragmentListTag.exceptionErrorCode, value: String(error.id) },
    { name: fragmentListTag.exceptionMessage, value: message },
  ]);
}
