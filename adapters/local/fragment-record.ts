/**
 * One fragment as a record of the fragment log (fragment-log.ts):
 *
 *   "KVF1" | u32 header length H | u32 payload length P | header: H bytes of JSON |
 *   payload: P bytes (each track's codec private data, then each frame's data, in order) |
 *   u32 CRC32 of everything before it
 *
 * all big-endian. The JSON header carries the stream, the numbers and timestamps, the tracks and
 * the frame table (track, timecode, keyframe, byte count). A record that ends early, or whose
 * checksum fails, is torn or corrupt: `decodeRecord` says so and the log cuts it off.
 *
 * The checksum is node:zlib's crc32: Bun and Deno both have it, and it is native code.
 */
import { crc32 } from "node:zlib";
import type { FragmentFrame, MkvTrack, StoredFragment } from "../../core/fragments/fragment.ts";

const magic = [0x4b, 0x56, 0x46, 0x31]; // "KVF1"
const prefixBytes = 12;
const checksumBytes = 4;
/** Bounds a scan trusts before the checksum: a header of JSON, and a fragment (AWS caps them at
 * 50 MB). */
export const maxRecordHeaderBytes = 4 * 1024 * 1024;
export const maxRecordPayloadBytes = 64 * 1024 * 1024;

interface TrackHeader extends Omit<MkvTrack, "uid" | "codecPrivate"> {
  uid: string;
  codecPrivateBytes?: number;
}

interface RecordHeader {
  streamArn: string;
  fragmentNumber: string;
  serverTimestampMs: number;
  producerTimestampMs: number;
  durationMs: number;
  sizeBytes: number;
  tags: StoredFragment["tags"];
  tracks: TrackHeader[];
  /** [track, timecodeMs, keyframe (1 or 0), bytes] per frame. */
  frames: [number, number, number, number][];
}

export function encodeRecord(streamArn: string, fragment: StoredFragment): Uint8Array {
  const header: RecordHeader = {
    streamArn,
    fragmentNumber: fragment.fragmentNumber,
    serverTimestampMs: fragment.serverTimestampMs,
    producerTimestampMs: fragment.producerTimestampMs,
    durationMs: fragment.durationMs,
    sizeBytes: fragment.sizeBytes,
    tags: fragment.tags,
    tracks: fragment.tracks.map(({ uid, codecPrivate, ...track }) => ({
      ...track,
      uid: String(uid),
      ...(codecPrivate ? { codecPrivateBytes: codecPrivate.byteLength } : {}),
    })),
    frames: fragment.frames.map((f) => [f.track, f.timecodeMs, f.keyframe ? 1 : 0, f.data.length]),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const parts = [
    ...fragment.tracks.flatMap((t) => (t.codecPrivate ? [t.codecPrivate] : [])),
    ...fragment.frames.map((f) => f.data),
  ];
  const payloadBytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const record = new Uint8Array(prefixBytes + headerBytes.length + payloadBytes + checksumBytes);
  const view = new DataView(record.buffer);
  record.set(magic, 0);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, payloadBytes);
  record.set(headerBytes, prefixBytes);
  let offset = prefixBytes + headerBytes.length;
  for (const part of parts) {
    record.set(part, offset);
    offset += part.byteLength;
  }
  view.setUint32(offset, crc32(record.subarray(0, offset)));
  return record;
}

export type DecodedRecord =
  | { streamArn: string; fragment: StoredFragment; end: number }
  | { problem: string };

/** The record at `offset` of `bytes`; frame data are views of `bytes`, not copies. */
export function decodeRecord(bytes: Uint8Array, offset: number): DecodedRecord {
  if (bytes.length - offset < prefixBytes) return { problem: "a record cut short" };
  if (magic.some((b, i) => bytes[offset + i] !== b)) return { problem: "no record marker" };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const headerLength = view.getUint32(4);
  const payloadLength = view.getUint32(8);
  if (headerLength > maxRecordHeaderBytes || payloadLength > maxRecordPayloadBytes) {
    return { problem: "a record length over its bound" };
  }
  const checksumAt = offset + prefixBytes + headerLength + payloadLength;
  if (bytes.length < checksumAt + checksumBytes) return { problem: "a record cut short" };
  const expected = new DataView(bytes.buffer, bytes.byteOffset + checksumAt).getUint32(0);
  if (crc32(bytes.subarray(offset, checksumAt)) !== expected) {
    return { problem: "a checksum mismatch" };
  }
  const headerAt = offset + prefixBytes;
  let header: RecordHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(headerAt, headerAt + headerLength)),
    );
  } catch {
    return { problem: "a header that is not JSON" };
  }
  let at = headerAt + headerLength;
  const take = (length: number) => bytes.subarray(at, at += length);
  const tracks: MkvTrack[] = header.tracks.map(({ uid, codecPrivateBytes, ...track }) => ({
    ...track,
    uid: BigInt(uid),
    ...(codecPrivateBytes === undefined ? {} : { codecPrivate: take(codecPrivateBytes) }),
  }));
  const frames: FragmentFrame[] = header.frames.map(([track, timecodeMs, keyframe, length]) => ({
    track,
    timecodeMs,
    keyframe: keyframe === 1,
    data: take(length),
  }));
  if (at !== checksumAt) return { problem: "a frame table that does not match its payload" };
  const { streamArn, tags, fragmentNumber, serverTimestampMs, producerTimestampMs } = header;
  return {
    streamArn,
    end: checksumAt + checksumBytes,
    fragment: {
      fragmentNumber,
      serverTimestampMs,
      producerTimestampMs,
      durationMs: header.durationMs,
      sizeBytes: header.sizeBytes,
      tags,
      tracks,
      frames,
    },
  };
}
