/**
 * An incremental Matroska reader for a PutMedia body: chunks of any size go in (they need not
 * line up with elements), events come out as soon as the bytes for them have arrived.
 *
 * Hand-written, not mediabunny: mediabunny's Matroska demuxer reads from a source with random
 * access and a known size, and a PutMedia body is an endless stream (a Segment and Clusters of
 * unknown size) that must be acknowledged fragment by fragment while it is still arriving.
 *
 * Segment and Cluster are read as they stream; every other element is either held whole
 * (EBML header, Info, Tracks, Tags, Timecode, blocks: each under a named bound) or skipped
 * without being held, however big. An unknown-size Cluster ends where the next Cluster, a
 * Tags or any other Segment-level element begins; a new EBML header starts a new Segment.
 */
import type { FragmentTag, MkvTrack } from "../fragments/fragment.ts";
import { ByteQueue } from "./byte-queue.ts";
import { EbmlId } from "./ebml.ts";
import { idName, MkvError, readChildren, readElementHead, readUint } from "./ebml-read.ts";
import { readEbmlHeader, readTags, readTimecodeScaleNs, readTracks } from "./mkv-metadata.ts";

export type MkvEvent =
  | { type: "header"; docType: string }
  | { type: "segment"; sizeBytes?: number }
  | { type: "info"; timecodeScaleNs: number }
  | { type: "tracks"; tracks: MkvTrack[] }
  /** A Cluster whose Timecode has arrived; `position` is the stream offset of its first byte. */
  | { type: "cluster"; timecode: number; timecodeMs: number; position: number }
  /** A SimpleBlock (or a BlockGroup's Block); `timecodeMs` is the Cluster's plus its offset. */
  | {
    type: "block";
    track: number;
    timecodeMs: number;
    keyframe: boolean;
    data: Uint8Array;
    /** The stream offset just past the block. */
    end: number;
  }
  | { type: "tags"; tags: FragmentTag[] }
  /** The Cluster ended; `position` is the stream offset just past its last byte. */
  | { type: "clusterEnd"; position: number };

export interface MkvReaderLimits {
  /** The largest block held in memory (AWS's fragment bound: 50 MiB). */
  maxBlockBytes: number;
  /** The largest EBML header, Info, Tracks or Tags element held in memory. */
  maxMetadataBytes: number;
}

export const defaultReaderLimits: MkvReaderLimits = {
  maxBlockBytes: 50 * 1024 * 1024,
  maxMetadataBytes: 1024 * 1024,
};

/** Segment-level elements: any of them ends a Cluster of unknown size. */
const segmentChildren = new Set<number>([
  EbmlId.seekHead,
  EbmlId.info,
  EbmlId.tracks,
  EbmlId.cluster,
  EbmlId.cues,
  EbmlId.tags,
  0x1043a770, // Chapters
  0x1941a469, // Attachments
]);
const globalIds = new Set<number>([EbmlId.void, EbmlId.crc32]);
/** Cluster children read (others are skipped). */
const blockIds = new Set<number>([EbmlId.simpleBlock, EbmlId.blockGroup]);
const referenceBlock = 0xfb;
/** The longest element head: a 4-byte ID and an 8-byte size. */
const maxHeadBytes = 12;

interface OpenElement {
  id: number;
  /** Stream offset of its first byte, and just past its last (undefined: unknown size). */
  start: number;
  end: number | undefined;
}

interface OpenCluster {
  timecode?: number;
}

export class MkvReader {
  readonly #queue = new ByteQueue();
  readonly #limits: MkvReaderLimits;
  #position = 0;
  #skipLeft = 0;
  #open: OpenElement[] = [];
  #cluster: OpenCluster | undefined;
  #sawHeader = false;
  #timecodeScaleNs = 1_000_000;
  #events: MkvEvent[] = [];

  constructor(limits: Partial<MkvReaderLimits> = {}) {
    this.#limits = { ...defaultReaderLimits, ...limits };
  }

  /** The stream offset of the next byte to be read. */
  get position(): number {
    return this.#position;
  }

  /** Reads what `chunk` completes; throws an MkvError on invalid input. */
  push(chunk: Uint8Array): MkvEvent[] {
    this.#queue.push(chunk);
    this.#parse();
    return this.#events.splice(0);
  }

  /** The body ended: closes an unknown-size Cluster; throws if it ends inside an element. */
  end(): MkvEvent[] {
    if (this.#skipLeft > 0 || this.#queue.length > 0) {
      throw new MkvError(`the body ends inside an element, at byte ${this.#position}`);
    }
    this.#closeEnded();
    const unfinished = this.#open.find((e) => e.end !== undefined);
    if (unfinished) {
      throw new MkvError(
        `the body ends at byte ${this.#position}, inside element ${idName(unfinished.id)}`,
      );
    }
    while (this.#open.length > 0) this.#pop();
    return this.#events.splice(0);
  }

  #parse(): void {
    for (;;) {
      if (this.#skipLeft > 0) {
        const skipped = this.#queue.skip(this.#skipLeft);
        this.#skipLeft -= skipped;
        this.#position += skipped;
        if (this.#skipLeft > 0) return;
      }
      this.#closeEnded();
      const head = readElementHead(this.#queue.peek(maxHeadBytes));
      if (!head) return;
      this.#closeUnknownBefore(head.id);
      const parent = this.#open.at(-1);
      if (
        parent?.end !== undefined && head.size !== undefined &&
        this.#position + head.headLength + head.size > parent.end
      ) {
        throw new MkvError(`element ${idName(head.id)} overruns its parent ${idName(parent.id)}`);
      }
      if (!this.#element(head.id, head.size, head.headLength, parent?.id)) return;
    }
  }

  /** Handles one element whose head is queued; false when its body must arrive first. */
  #element(id: number, size: number | undefined, headLength: number, parent?: number): boolean {
    if (parent === undefined && id === EbmlId.ebml) {
      return this.#whole(headLength, size, id, this.#limits.maxMetadataBytes, (data) => {
        this.#sawHeader = true;
        this.#timecodeScaleNs = 1_000_000;
        this.#events.push({ type: "header", docType: readEbmlHeader(data) });
      });
    }
    if (!this.#sawHeader) throw new MkvError("the body does not start with an EBML header");
    if (parent === undefined && id === EbmlId.segment) {
      this.#descend(id, size, headLength);
      this.#events.push({ type: "segment", ...(size === undefined ? {} : { sizeBytes: size }) });
      return true;
    }
    if (parent === EbmlId.segment) return this.#segmentChild(id, size, headLength);
    if (parent === EbmlId.cluster) return this.#clusterChild(id, size, headLength);
    return this.#skip(id, size, headLength);
  }

  #segmentChild(id: number, size: number | undefined, headLength: number): boolean {
    const metadata = this.#limits.maxMetadataBytes;
    switch (id) {
      case EbmlId.info:
        return this.#whole(headLength, size, id, metadata, (data) => {
          this.#timecodeScaleNs = readTimecodeScaleNs(data);
          this.#events.push({ type: "info", timecodeScaleNs: this.#timecodeScaleNs });
        });
      case EbmlId.tracks:
        return this.#whole(headLength, size, id, metadata, (data) => {
          this.#events.push({ type: "tracks", tracks: readTracks(data) });
        });
      case EbmlId.tags:
        return this.#whole(headLength, size, id, metadata, (data) => {
          this.#events.push({ type: "tags", tags: readTags(data) });
        });
      case EbmlId.cluster:
        this.#descend(id, size, headLength);
        this.#cluster = {};
        return true;
      default:
        return this.#skip(id, size, headLength);
    }
  }

  #clusterChild(id: number, size: number | undefined, headLength: number): boolean {
    const cluster = this.#cluster!;
    if (id === EbmlId.timecode) {
      const start = this.#open.at(-1)!.start;
      return this.#whole(headLength, size, id, this.#limits.maxMetadataBytes, (data) => {
        if (cluster.timecode !== undefined) throw new MkvError("a Cluster has two Timecodes");
        cluster.timecode = readUint({ id, data });
        this.#events.push({
          type: "cluster",
          timecode: cluster.timecode,
          timecodeMs: this.#ms(cluster.timecode),
          position: start,
        });
      });
    }
    if (!blockIds.has(id)) return this.#skip(id, size, headLength);
    return this.#whole(headLength, size, id, this.#limits.maxBlockBytes, (data) => {
      if (cluster.timecode === undefined) {
        throw new MkvError("a block comes before its Cluster's Timecode");
      }
      const block = id === EbmlId.simpleBlock ? readBlock(data, true) : readBlockGroup(data);
      this.#events.push({
        type: "block",
        track: block.track,
        timecodeMs: this.#ms(cluster.timecode + block.offset),
        keyframe: block.keyframe,
        data: block.data,
        end: this.#position,
      });
    });
  }

  /**
   * Scale first: an ABSOLUTE timecode (ms since the epoch, ~1.7e12) times 1e6 ns is past 2^53,
   * and the product would come back a fraction of a millisecond off.
   */
  #ms(timecode: number): number {
    return timecode * (this.#timecodeScaleNs / 1_000_000);
  }

  /** Waits for the whole element (at most `bound` bytes), then hands its body to `read`. */
  #whole(
    headLength: number,
    size: number | undefined,
    id: number,
    bound: number,
    read: (data: Uint8Array) => void,
  ): boolean {
    if (size === undefined) throw new MkvError(`element ${idName(id)} has an unknown size`);
    if (size > bound) {
      throw new MkvError(
        `element ${idName(id)} of ${size} bytes is over the ${bound}-byte bound`,
        blockIds.has(id),
      );
    }
    if (this.#queue.length < headLength + size) return false;
    this.#queue.skip(headLength);
    const data = this.#queue.take(size);
    this.#position += headLength + size;
    read(data);
    return true;
  }

  #descend(id: number, size: number | undefined, headLength: number): void {
    const start = this.#position;
    this.#queue.skip(headLength);
    this.#position += headLength;
    this.#open.push({ id, start, end: size === undefined ? undefined : this.#position + size });
  }

  /** Passes over an element's body without holding it. */
  #skip(id: number, size: number | undefined, headLength: number): boolean {
    if (size === undefined) {
      throw new MkvError(`element ${idName(id)} of unknown size cannot be skipped`);
    }
    this.#queue.skip(headLength);
    this.#position += headLength;
    this.#skipLeft = size;
    return true;
  }

  /** Closes the known-size elements that end here. */
  #closeEnded(): void {
    while (this.#open.length > 0) {
      const top = this.#open.at(-1)!;
      if (top.end === undefined || top.end > this.#position) return;
      this.#pop();
    }
  }

  /** Closes unknown-size elements that `id` cannot be a child of. */
  #closeUnknownBefore(id: number): void {
    for (;;) {
      const top = this.#open.at(-1);
      if (top?.end !== undefined || top === undefined) return;
      const ends = id === EbmlId.ebml || id === EbmlId.segment ||
        (top.id === EbmlId.cluster && segmentChildren.has(id));
      if (!ends || globalIds.has(id)) return;
      this.#pop();
    }
  }

  #pop(): void {
    const element = this.#open.pop()!;
    if (element.id !== EbmlId.cluster) return;
    if (this.#cluster?.timecode === undefined) {
      throw new MkvError(`the Cluster at byte ${element.start} has no Timecode`);
    }
    this.#cluster = undefined;
    this.#events.push({ type: "clusterEnd", position: this.#position });
  }
}

interface Block {
  track: number;
  offset: number;
  keyframe: boolean;
  data: Uint8Array;
}

/** A SimpleBlock's or Block's body: track VINT, int16 offset, flags, then the frame. */
function readBlock(data: Uint8Array, simple: boolean): Block {
  const first = data[0] ?? 0;
  const length = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : first >= 0x10 ? 4 : 0;
  if (length === 0 || data.length < length + 3) {
    throw new MkvError("a block is too short or has an invalid track number");
  }
  let track = first & (0xff >> length);
  for (let i = 1; i < length; i++) track = track * 256 + data[i];
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const offset = view.getInt16(length);
  const flags = data[length + 2];
  if (flags & 0x06) {
    throw new MkvError(`a block of track ${track} is laced; KVS producers never lace`);
  }
  return {
    track,
    offset,
    keyframe: simple && (flags & 0x80) !== 0,
    data: data.subarray(length + 3),
  };
}

/** A BlockGroup's Block; it is a keyframe when no ReferenceBlock names another frame. */
function readBlockGroup(data: Uint8Array): Block {
  const children = readChildren(data, EbmlId.blockGroup);
  const block = children.find((c) => c.id === EbmlId.block);
  if (!block) throw new MkvError("a BlockGroup has no Block");
  return {
    ...readBlock(block.data, false),
    keyframe: !children.some((c) => c.id === referenceBlock),
  };
}
