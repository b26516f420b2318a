/**
 * A test-side reader of a PutMedia-shaped MKV body (a Segment and Clusters of unknown size,
 * Tags after each Cluster): its tracks' CodecPrivate and its clusters' blocks, so tests can
 * check what a writer produced without trusting the writer's own code.
 */
import { EbmlId } from "../../../core/mkv/ebml.ts";

export interface ReadBlock {
  track: number;
  offsetMs: number;
  keyframe: boolean;
  data: Uint8Array;
}

export interface ReadCluster {
  timecodeMs: number;
  blocks: ReadBlock[];
  /** The TagName values of the Tags after it. */
  tags: string[];
}

export interface ReadBody {
  /** Headers (EBML elements) seen: one per PutMedia connection. */
  headers: number;
  codecPrivates: Uint8Array[];
  clusters: ReadCluster[];
}

/** Elements walked into rather than over (the rest are leaves). */
const containers = new Set<number>([
  EbmlId.segment,
  EbmlId.cluster,
  EbmlId.tracks,
  EbmlId.trackEntry,
  EbmlId.tags,
  EbmlId.tag,
  EbmlId.simpleTag,
]);

function readVint(bytes: Uint8Array, at: number, keepMarker: boolean) {
  const first = bytes[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8) throw new Error(`bad EBML vint at byte ${at}`);
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

export function readMkvBody(bytes: Uint8Array): ReadBody {
  const body: ReadBody = { headers: 0, codecPrivates: [], clusters: [] };
  let cluster: ReadCluster | undefined;
  let at = 0;
  while (at < bytes.length) {
    const id = readVint(bytes, at, true);
    const size = readVint(bytes, at + id.length, false);
    const start = at + id.length + size.length;
    at = start;
    if (containers.has(id.value)) {
      if (id.value === EbmlId.cluster) {
        cluster = { timecodeMs: -1, blocks: [], tags: [] };
        body.clusters.push(cluster);
      }
      continue;
    }
    if (size.unknown) throw new Error(`unknown size on leaf element 0x${id.value.toString(16)}`);
    const data = bytes.subarray(start, start + size.value);
    if (data.length !== size.value) throw new Error("the body ends inside an element");
    at = start + size.value;
    if (id.value === EbmlId.ebml) body.headers++;
    else if (id.value === EbmlId.codecPrivate) body.codecPrivates.push(data);
    else if (id.value === EbmlId.timecode) {
      cluster!.timecodeMs = data.reduce((n, b) => n * 256 + b, 0);
    } else if (id.value === EbmlId.simpleBlock) {
      cluster!.blocks.push({
        track: data[0] & 0x7f,
        offsetMs: (data[1] << 24 >> 16) | data[2],
        keyframe: (data[3] & 0x80) !== 0,
        data: data.subarray(4),
      });
    } else if (id.value === EbmlId.tagName) cluster!.tags.push(new TextDecoder().decode(data));
  }
  return body;
}

/** The NAL units of an AVCC (4-byte length) frame. */
export function avccNalUnits(data: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at < data.length;) {
    const length = view.getUint32(at);
    units.push(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return units;
}
