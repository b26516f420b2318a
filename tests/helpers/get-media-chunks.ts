/**
 * Test-side reading of a GetMedia (or GetMediaForFragmentList) body: where each chunk (one
 * Matroska document) starts, the order of its top-level elements, and its tags. Independent
 * of the endpoint's writer: a walk over EBML IDs and sizes that steps into the Segment and the
 * Cluster (unknown size) and reads Tags > Tag > SimpleTag. An element cut off at the end of the
 * bytes ends the walk (a body read part-way).
 */

const id = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  cluster: 0x1f43b675,
  tags: 0x1254c367,
  tag: 0x7373,
  simpleTag: 0x67c8,
  tagName: 0x45a3,
  tagString: 0x4487,
  info: 0x1549a966,
  tracks: 0x1654ae6b,
  simpleBlock: 0xa3,
  timecode: 0xe7,
} as const;

const kindOf = new Map<number, string>([
  [id.ebml, "EBML"],
  [id.segment, "Segment"],
  [id.info, "Info"],
  [id.tracks, "Tracks"],
  [id.tags, "Tags"],
  [id.cluster, "Cluster"],
  [id.simpleBlock, "SimpleBlock"],
]);

export interface ChunkTag {
  name: string;
  value: string;
}

export interface GetMediaChunkInfo {
  /** Byte range of the chunk in the body. */
  start: number;
  end: number;
  /** Its main elements in order, a run of SimpleBlocks written once ("Info", "Tags", ...). */
  layout: string[];
  /** Each Tags element's simple tags, in order. */
  tags: ChunkTag[][];
  clusterTimecode?: number;
  /** The Cluster's size was written as unknown. */
  clusterSizeUnknown?: boolean;
}

function readVint(bytes: Uint8Array, at: number, keepMarker: boolean) {
  if (at >= bytes.length) return undefined;
  const first = bytes[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || at + length > bytes.length) return undefined;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function header(bytes: Uint8Array, at: number) {
  const elementId = readVint(bytes, at, true);
  if (!elementId) return undefined;
  const size = readVint(bytes, at + elementId.length, false);
  if (!size) return undefined;
  const dataStart = at + elementId.length + size.length;
  return {
    id: elementId.value,
    dataStart,
    end: size.unknown ? undefined : dataStart + size.value,
  };
}

function children(bytes: Uint8Array, start: number, end: number) {
  const out: { id: number; data: Uint8Array }[] = [];
  for (let at = start; at < end;) {
    const h = header(bytes, at);
    if (!h || h.end === undefined) break;
    out.push({ id: h.id, data: bytes.subarray(h.dataStart, h.end) });
    at = h.end;
  }
  return out;
}

function simpleTags(tags: Uint8Array): ChunkTag[] {
  const text = new TextDecoder();
  return children(tags, 0, tags.length)
    .filter((c) => c.id === id.tag)
    .flatMap((tag) => children(tag.data, 0, tag.data.length))
    .filter((c) => c.id === id.simpleTag)
    .map((simple) => {
      const parts = children(simple.data, 0, simple.data.length);
      const value = (key: number) => text.decode(parts.find((p) => p.id === key)?.data);
      return { name: value(id.tagName), value: value(id.tagString) };
    });
}

/** The whole chunks in `body` (a last chunk cut off is left out). */
export function getMediaChunks(body: Uint8Array): GetMediaChunkInfo[] {
  const chunks: GetMediaChunkInfo[] = [];
  let current: GetMediaChunkInfo | undefined;
  let at = 0;
  while (at < body.length) {
    const h = header(body, at);
    if (!h || (h.end !== undefined && h.end > body.length)) break;
    if (h.id === id.ebml) {
      if (current) chunks.push({ ...current, end: at });
      current = { start: at, end: body.length, layout: [], tags: [] };
    }
    if (!current) throw new Error(`the body does not start with an EBML header`);
    const kind = kindOf.get(h.id);
    if (kind && !(kind === "SimpleBlock" && current.layout.at(-1) === kind)) {
      current.layout.push(kind);
    }
    if (h.id === id.tags) current.tags.push(simpleTags(body.subarray(h.dataStart, h.end)));
    if (h.id === id.timecode) {
      current.clusterTimecode = body.subarray(h.dataStart, h.end).reduce((v, b) => v * 256 + b, 0);
    }
    if (h.id === id.cluster) current.clusterSizeUnknown = h.end === undefined;
    // Into the Segment and the Cluster; over everything else.
    at = h.id === id.segment || h.id === id.cluster || h.end === undefined ? h.dataStart : h.end;
  }
  // The last chunk is whole once nothing of it is cut off and its closing tags are in.
  if (current && at >= body.length) chunks.push(current);
  return chunks;
}

/** The value of the tag `name` in a chunk, from any of its Tags. */
export function chunkTag(chunk: GetMediaChunkInfo, name: string): string | undefined {
  return chunk.tags.flat().find((t) => t.name === name)?.value;
}
