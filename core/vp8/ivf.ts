/**
 * IVF, the simple container libvpx and ffmpeg write VP8 in (a 32-byte file header, then each
 * frame after a 12-byte header: its size and a 64-bit timestamp, all little-endian). The
 * reader takes a file or a pipe in arbitrary chunks and holds at most one frame's bytes, under
 * a bound; the writer makes the headers, so a frame's bytes are written as they are.
 */
import { appendBytes } from "../bytes/append-bytes.ts";
import { isVp8Keyframe, parseVp8FrameHeader } from "./frame-header.ts";

export interface IvfFileHeader {
  /** The codec's four characters: "VP80" for VP8. */
  fourcc: string;
  width: number;
  height: number;
  /** Timestamps count units of `timebaseNumerator / timebaseDenominator` seconds. */
  timebaseDenominator: number;
  timebaseNumerator: number;
  /** As the writer said; 0 or wrong in a file written live. */
  frameCount: number;
}

export interface IvfFrame {
  /** In the file's timebase. */
  timestamp: number;
  data: Uint8Array;
}

export const ivfFileHeaderSize = 32;
export const ivfFrameHeaderSize = 12;

/** Bound on one frame: far above any VP8 frame a camera makes (a 4K key frame is ~1 MB). */
export const defaultMaxIvfFrameBytes = 16 << 20;

/** Parses an IVF file header (its first 32 bytes); throws a one-line error if it is not one. */
export function parseIvfFileHeader(bytes: Uint8Array): IvfFileHeader {
  if (bytes.length < ivfFileHeaderSize) throw new Error(`an IVF file of ${bytes.length} bytes`);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== "DKIF") {
    throw new Error("not an IVF file (no DKIF signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, ivfFileHeaderSize);
  const headerSize = view.getUint16(6, true);
  if (headerSize < ivfFileHeaderSize) throw new Error(`an IVF header of ${headerSize} bytes`);
  const header: IvfFileHeader = {
    fourcc: String.fromCharCode(...bytes.subarray(8, 12)),
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    timebaseDenominator: view.getUint32(16, true),
    timebaseNumerator: view.getUint32(20, true),
    frameCount: view.getUint32(24, true),
  };
  if (header.timebaseDenominator === 0 || header.timebaseNumerator === 0) {
    throw new Error(
      `an IVF timebase of ${header.timebaseNumerator}/${header.timebaseDenominator}`,
    );
  }
  return header;
}

export interface IvfReaderOptions {
  /** A frame larger than this is an error (a corrupt size field). */
  maxFrameBytes?: number;
}

/** Reads an IVF stream pushed in chunks: the header first, then frames as they complete. */
export class IvfReader {
  /** The file header, once its bytes arrived. */
  header: IvfFileHeader | undefined;
  #buffer = new Uint8Array(1 << 16);
  #start = 0; // bytes not yet read: #buffer[#start, #end)
  #end = 0;
  #max: number;

  constructor(options: IvfReaderOptions = {}) {
    this.#max = options.maxFrameBytes ?? defaultMaxIvfFrameBytes;
  }

  /** Adds bytes; returns the frames they completed. Throws on a bad header or frame size. */
  push(chunk: Uint8Array): IvfFrame[] {
    this.#append(chunk);
    const frames: IvfFrame[] = [];
    if (!this.header) {
      if (this.#end - this.#start < ivfFileHeaderSize) return frames;
      const header = parseIvfFileHeader(this.#buffer.subarray(this.#start, this.#end));
      const headerSize = this.#buffer[this.#start + 6] | (this.#buffer[this.#start + 7] << 8);
      if (this.#end - this.#start < headerSize) return frames; // a longer header than usual
      this.header = header;
      this.#start += headerSize;
    }
    const view = new DataView(this.#buffer.buffer);
    while (this.#end - this.#start >= ivfFrameHeaderSize) {
      const size = view.getUint32(this.#start, true);
      if (size > this.#max) {
        this.#start = this.#end = 0;
        throw new Error(`an IVF frame of ${size} bytes exceeds ${this.#max}`);
      }
      const data = this.#start + ivfFrameHeaderSize;
      if (this.#end - data < size) break;
      const timestamp = view.getUint32(this.#start + 4, true) +
        view.getUint32(this.#start + 8, true) * 2 ** 32;
      frames.push({ timestamp, data: this.#buffer.slice(data, data + size) });
      this.#start = data + size;
    }
    return frames;
  }

  /**
   * Ends the stream; throws when it ended inside a frame (a cut file). The reader can then
   * take a new stream.
   */
  end(): void {
    const left = this.#end - this.#start;
    this.#start = this.#end = 0;
    this.header = undefined;
    if (left > 0) throw new Error(`the IVF stream ends inside a frame (${left} bytes left)`);
  }

  /** Keeps the unread bytes and the chunk: at most one frame, its header and the chunk. */
  #append(chunk: Uint8Array) {
    if (this.#end + chunk.length > this.#buffer.length) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buffer = appendBytes(this.#buffer, this.#end, chunk);
    this.#end += chunk.length;
  }
}

/** An IVF file header for a VP8 stream (or another fourcc). */
export function ivfFileHeader(header: IvfFileHeader): Uint8Array {
  if (!/^[\x20-\x7e]{4}$/.test(header.fourcc)) throw new Error(`IVF fourcc '${header.fourcc}'`);
  const out = new Uint8Array(ivfFileHeaderSize);
  const view = new DataView(out.buffer);
  out.set([0x44, 0x4b, 0x49, 0x46]); // DKIF
  view.setUint16(4, 0, true); // version
  view.setUint16(6, ivfFileHeaderSize, true);
  for (let i = 0; i < 4; i++) out[8 + i] = header.fourcc.charCodeAt(i);
  view.setUint16(12, header.width, true);
  view.setUint16(14, header.height, true);
  view.setUint32(16, header.timebaseDenominator, true);
  view.setUint32(20, header.timebaseNumerator, true);
  view.setUint32(24, header.frameCount, true);
  return out;
}

/** The 12 bytes to write before a frame of `size` bytes with this timestamp. */
export function ivfFrameHeader(size: number, timestamp: number): Uint8Array {
  const out = new Uint8Array(ivfFrameHeaderSize);
  const view = new DataView(out.buffer);
  view.setUint32(0, size, true);
  view.setUint32(4, timestamp % 2 ** 32, true);
  view.setUint32(8, Math.floor(timestamp / 2 ** 32), true);
  return out;
}

/** The timebase of IVF streams written from RTP: the 90 kHz video clock. */
export const rtpIvfTimebase = 90000;

/**
 * Writes VP8 frames received over RTP as an IVF stream: the file header before the first frame
 * (its size from that frame, a key frame; the frame count 0, as a live writer leaves it), then
 * each frame after its header, timed from the first frame's RTP timestamp.
 */
export class IvfWriter {
  #started = false;
  #lastRtp = 0;
  #time = 0;

  /** The bytes to write before `frame`, in order. */
  before(frame: Uint8Array, rtpTimestamp: number): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    if (!this.#started) {
      this.#started = true;
      const size = isVp8Keyframe(frame) ? parseVp8FrameHeader(frame) : undefined;
      pieces.push(ivfFileHeader({
        fourcc: "VP80",
        width: size?.width ?? 0,
        height: size?.height ?? 0,
        timebaseDenominator: rtpIvfTimebase,
        timebaseNumerator: 1,
        frameCount: 0,
      }));
    } else {
      // RTP timestamps wrap at 2^32; frames come in order, so the step is what the low bits say.
      this.#time += Math.max(0, (rtpTimestamp - this.#lastRtp) | 0);
    }
    this.#lastRtp = rtpTimestamp;
    pieces.push(ivfFrameHeader(frame.length, this.#time));
    return pieces;
  }
}
