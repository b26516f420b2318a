/**
 * Matroska as KVS carries it (spec §6.3): a header (EBML, a Segment of unknown size, Info,
 * Tracks), then per fragment a Cluster with SimpleBlocks and, after it, a Segment-level Tags.
 * Each function returns pieces; a SimpleBlock's frame data stays the caller's own views.
 */
import type { Fragment, FragmentTag, MkvTrack } from "../fragments/fragment.ts";
import {
  EbmlId,
  element,
  floatElement,
  openElement,
  stringElement,
  TrackType,
  uintElement,
} from "./ebml.ts";

/** The tag producer-c puts after each fragment's Cluster (spec §6.5). */
export const endOfFragmentTag = "AWS_KINESISVIDEO_END_OF_FRAGMENT";

export interface MkvHeaderOptions {
  tracks: readonly MkvTrack[];
  /** 16 bytes; random when omitted. */
  segmentUid?: Uint8Array;
  title?: string;
  writingApp?: string;
}

const trackTypes = { video: TrackType.video, audio: TrackType.audio, other: 0x20 } as const;

function trackEntry(track: MkvTrack): Uint8Array[] {
  const children = [
    ...uintElement(EbmlId.trackNumber, track.number),
    ...uintElement(EbmlId.trackUid, track.uid),
    ...uintElement(EbmlId.trackType, trackTypes[track.kind]),
    ...stringElement(EbmlId.codecId, track.codecId),
  ];
  if (track.name !== undefined) children.push(...stringElement(EbmlId.name, track.name));
  if (track.codecPrivate) children.push(...element(EbmlId.codecPrivate, [track.codecPrivate]));
  if (track.video) {
    children.push(...element(EbmlId.video, [
      ...uintElement(EbmlId.pixelWidth, track.video.width),
      ...uintElement(EbmlId.pixelHeight, track.video.height),
    ]));
  }
  if (track.audio) {
    const audio = [
      ...floatElement(EbmlId.samplingFrequency, track.audio.samplingFrequency),
      ...uintElement(EbmlId.channels, track.audio.channels),
    ];
    if (track.audio.bitDepth) audio.push(...uintElement(EbmlId.bitDepth, track.audio.bitDepth));
    children.push(...element(EbmlId.audio, audio));
  }
  return element(EbmlId.trackEntry, children);
}

/** The EBML header that starts every Matroska document KVS writes. */
export function ebmlHeader(): Uint8Array[] {
  return element(EbmlId.ebml, [
    ...uintElement(EbmlId.ebmlVersion, 1),
    ...uintElement(EbmlId.ebmlReadVersion, 1),
    ...uintElement(EbmlId.ebmlMaxIdLength, 4),
    ...uintElement(EbmlId.ebmlMaxSizeLength, 8),
    ...stringElement(EbmlId.docType, "matroska"),
    ...uintElement(EbmlId.docTypeVersion, 2),
    ...uintElement(EbmlId.docTypeReadVersion, 2),
  ]);
}

/** EBML header, Segment (unknown size), Info (1 ms timecode scale) and Tracks. */
export function mkvHeader(options: MkvHeaderOptions): Uint8Array[] {
  const app = options.writingApp ?? "kvsrtc";
  const info = [
    ...element(EbmlId.segmentUid, [
      options.segmentUid ?? crypto.getRandomValues(new Uint8Array(16)),
    ]),
    ...uintElement(EbmlId.timecodeScale, 1_000_000),
    ...(options.title !== undefined ? stringElement(EbmlId.title, options.title) : []),
    ...stringElement(EbmlId.muxingApp, app),
    ...stringElement(EbmlId.writingApp, app),
  ];
  return [
    ...ebmlHeader(),
    openElement(EbmlId.segment),
    ...element(EbmlId.info, info),
    ...element(EbmlId.tracks, options.tracks.flatMap(trackEntry)),
  ];
}

/**
 * A Cluster's start, with its size unknown (as producer-c streams it): its Timecode (absolute
 * ms) and Position 0. Its SimpleBlocks follow; the next Cluster or a Tags ends it.
 */
export function clusterStart(timecodeMs: number): Uint8Array[] {
  return [
    openElement(EbmlId.cluster),
    ...uintElement(EbmlId.timecode, timecodeMs),
    ...uintElement(EbmlId.position, 0),
  ];
}

/** The most a block's time may differ from its Cluster's: the offset is a signed 16-bit ms. */
export const maxBlockOffsetMs = 32_767;

/**
 * A SimpleBlock: track number, signed 16-bit ms offset from the Cluster, flags, then `data`
 * (pieces that together are the frame, e.g. AVCC length prefixes beside views of NAL units).
 */
export function simpleBlock(
  track: number,
  offsetMs: number,
  keyframe: boolean,
  data: readonly Uint8Array[],
): Uint8Array[] {
  if (track < 1 || track > 126) throw new RangeError(`track number ${track} is not 1-126`);
  if (!Number.isInteger(offsetMs) || Math.abs(offsetMs) > maxBlockOffsetMs) {
    throw new RangeError(`a block ${offsetMs} ms from its cluster's timecode`);
  }
  const head = Uint8Array.of(
    0x80 | track,
    (offsetMs >> 8) & 0xff,
    offsetMs & 0xff,
    keyframe ? 0x80 : 0,
  );
  return element(EbmlId.simpleBlock, [head, ...data]);
}

/** A Segment-level Tags element with one Tag of simple tags, as producer-c writes metadata. */
export function tagsElement(tags: readonly FragmentTag[]): Uint8Array[] {
  const simpleTags = tags.flatMap((tag) =>
    element(EbmlId.simpleTag, [
      ...stringElement(EbmlId.tagName, tag.name),
      ...stringElement(EbmlId.tagString, tag.value),
    ])
  );
  return element(EbmlId.tags, element(EbmlId.tag, simpleTags));
}

/**
 * One fragment as producer-c sends it (spec §6.5): a Cluster of unknown size at
 * `clusterTimecodeMs` (the producer timestamp, or ms since the start in RELATIVE mode), its
 * frames as SimpleBlocks, then a Tags of its metadata ending with END_OF_FRAGMENT.
 */
export function fragmentElements(
  fragment: Pick<Fragment, "producerTimestampMs" | "frames" | "tags">,
  clusterTimecodeMs = fragment.producerTimestampMs,
): Uint8Array[] {
  const pieces = clusterStart(clusterTimecodeMs);
  for (const frame of fragment.frames) {
    const offset = frame.timecodeMs - fragment.producerTimestampMs;
    pieces.push(...simpleBlock(frame.track, offset, frame.keyframe, [frame.data]));
  }
  pieces.push(...tagsElement([...fragment.tags, { name: endOfFragmentTag, value: "" }]));
  return pieces;
}
