/**
 * EBML, the binary layout of Matroska: element IDs (the ones KVS producers write and GetMedia
 * returns, spec §6.3) and the writer's primitives. Written by hand, not with mediabunny: a KVS
 * body is an endless Segment of unknown size with clusters that must be cut, tagged and sent
 * as they come, and whose frame data must stay views of bytes held elsewhere (never copied);
 * mediabunny's Matroska muxer owns its output and its clustering.
 *
 * The writer returns pieces (`Uint8Array[]`) rather than one buffer, so a caller can put a view
 * of a frame's bytes on the wire as it is.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";

export const EbmlId = {
  ebml: 0x1a45dfa3,
  ebmlVersion: 0x4286,
  ebmlReadVersion: 0x42f7,
  ebmlMaxIdLength: 0x42f2,
  ebmlMaxSizeLength: 0x42f3,
  docType: 0x4282,
  docTypeVersion: 0x4287,
  docTypeReadVersion: 0x4285,
  void: 0xec,
  crc32: 0xbf,
  segment: 0x18538067,
  seekHead: 0x114d9b74,
  info: 0x1549a966,
  segmentUid: 0x73a4,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  title: 0x7ba9,
  muxingApp: 0x4d80,
  writingApp: 0x5741,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackUid: 0x73c5,
  trackType: 0x83,
  codecId: 0x86,
  codecPrivate: 0x63a2,
  name: 0x536e,
  defaultDuration: 0x23e383,
  codecDelay: 0x56aa,
  seekPreRoll: 0x56bb,
  video: 0xe0,
  pixelWidth: 0xb0,
  pixelHeight: 0xba,
  audio: 0xe1,
  samplingFrequency: 0xb5,
  channels: 0x9f,
  bitDepth: 0x6264,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  position: 0xa7,
  prevSize: 0xab,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
  cues: 0x1c53bb6b,
  tags: 0x1254c367,
  tag: 0x7373,
  targets: 0x63c0,
  simpleTag: 0x67c8,
  tagName: 0x45a3,
  tagString: 0x4487,
  tagBinary: 0x4485,
} as const;

/** Matroska TrackType values. */
export const TrackType = { video: 1, audio: 2 } as const;

/** The 8-byte "unknown size" (all value bits set), as a live Segment or Cluster carries. */
export const unknownSize = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** The bytes of an element ID: its own leading bits mark its length, so it is written as is. */
export function idBytes(id: number): Uint8Array {
  const length = id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (id >>> (8 * (length - 1 - i))) & 0xff;
  return out;
}

/** A data size as the shortest EBML variable-size integer (never the all-ones "unknown"). */
export function sizeVint(size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad EBML size ${size}`);
  let length = 1;
  while (length < 8 && size >= 2 ** (7 * length) - 1) length++;
  const out = new Uint8Array(length);
  let rest = size;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  out[0] |= 0x80 >> (length - 1);
  return out;
}

const totalLength = (pieces: readonly Uint8Array[]) =>
  pieces.reduce((sum, piece) => sum + piece.byteLength, 0);

/** A master or binary element around `children`, as pieces (the children are not copied). */
export function element(id: number, children: readonly Uint8Array[]): Uint8Array[] {
  return [idBytes(id), sizeVint(totalLength(children)), ...children];
}

/** An element whose size is left unknown: what follows it, up to a sibling, is its content. */
export function openElement(id: number): Uint8Array {
  return concatBytes([idBytes(id), unknownSize]);
}

export function uintElement(id: number, value: number | bigint): Uint8Array[] {
  let rest = BigInt(value);
  if (rest < 0n) throw new RangeError(`bad EBML unsigned integer ${value}`);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (rest > 0n);
  return element(id, [Uint8Array.from(bytes)]);
}

export function floatElement(id: number, value: number): Uint8Array[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value);
  return element(id, [bytes]);
}

export function stringElement(id: number, value: string): Uint8Array[] {
  return element(id, [new TextEncoder().encode(value)]);
}
