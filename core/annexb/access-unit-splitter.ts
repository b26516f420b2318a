/**
 * Cuts an Annex-B byte stream arriving in arbitrary chunks (stdin, a pipe from rpicam-vid,
 * GStreamer or ffmpeg) into access units. Each access unit is copied once, into its own
 * buffer, as the stream's bytes (start codes included, as they came). The start codes are the
 * same for H.264 and H.265; what differs (which NAL units are pictures, which begin one) comes
 * from the codec's `AnnexBSyntax`.
 */
import { appendBytes } from "../bytes/append-bytes.ts";
import { nextStartCode } from "../h264/nal-unit.ts";

/**
 * The default bound on one access unit, which is also the bound on the bytes the splitter holds
 * (a stream with no start codes fills no more than this).
 */
export const defaultMaxAccessUnitBytes = 16 << 20;

/** What the splitter needs to know of a codec's NAL units. */
export interface AnnexBSyntax {
  /** The codec's name, for errors: "H.264". */
  codec: string;
  /** Bytes from a NAL unit's start that the two questions below read. */
  headBytes: number;
  /** Whether the NAL unit at `bytes[at]` holds coded picture data (a VCL NAL unit). */
  isVcl(bytes: Uint8Array, at: number): boolean;
  /** Whether the NAL unit at `bytes[at]` begins a new access unit after one with a picture. */
  startsNewAccessUnit(bytes: Uint8Array, at: number): boolean;
}

export interface AccessUnitSplitterOptions {
  /** An access unit larger than this is an error (a stream without pictures, or garbage). */
  maxAccessUnitBytes?: number;
}

export class AnnexBAccessUnitSplitter {
  #buffer = new Uint8Array(1 << 16);
  #end = 0; // bytes held: #buffer[0, #end)
  #auStart = -1; // where the current access unit begins, -1 before the first start code
  #hasVcl = false; // the current access unit holds a slice
  #scanned = 0; // start codes before this index have been handled
  #pendingNal = -1; // a NAL unit whose header bytes have not arrived yet
  #skipping = false; // the rest of an oversized access unit is dropped, up to the next one
  #max: number;
  #syntax: AnnexBSyntax;

  constructor(syntax: AnnexBSyntax, options: AccessUnitSplitterOptions = {}) {
    this.#syntax = syntax;
    this.#max = options.maxAccessUnitBytes ?? defaultMaxAccessUnitBytes;
  }

  /** Adds bytes; returns the access units they completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const out: Uint8Array[] = [];
    if (this.#pendingNal !== -1) {
      if (this.#end < this.#pendingNal + this.#syntax.headBytes) return out;
      this.#decide(this.#pendingNal, out);
      this.#pendingNal = -1;
    }
    for (;;) {
      const nal = nextStartCode(this.#buffer, this.#scanned, this.#end);
      if (nal === -1) {
        this.#scanned = Math.max(this.#scanned, this.#end - 2);
        break;
      }
      this.#scanned = nal;
      if (this.#end < nal + this.#syntax.headBytes) {
        this.#pendingNal = nal;
        break;
      }
      this.#decide(nal, out);
    }
    if (this.#auStart !== -1 && this.#end - this.#auStart > this.#max) {
      const size = this.#end - this.#auStart;
      this.#reset();
      this.#skipping = true;
      throw new Error(
        `${this.#syntax.codec} access unit exceeds ${this.#max} bytes (${size} without a picture end)`,
      );
    }
    return out;
  }

  /**
   * Ends the stream: returns the last access unit, if it holds a picture. The splitter can then
   * take a new stream.
   */
  flush(): Uint8Array | undefined {
    const last = this.#hasVcl ? this.#buffer.slice(this.#auStart, this.#end) : undefined;
    this.#reset();
    return last;
  }

  #decide(nal: number, out: Uint8Array[]) {
    // The start code begins 3 bytes back, or 4 with a leading zero byte.
    const startCode = nal - 3 > 0 && this.#buffer[nal - 4] === 0 ? nal - 4 : nal - 3;
    if (this.#auStart === -1) {
      // After an oversized access unit, its remaining slices are not a picture of their own.
      if (this.#skipping && !this.#syntax.startsNewAccessUnit(this.#buffer, nal)) return;
      this.#skipping = false;
      this.#auStart = startCode;
    } else if (this.#hasVcl && this.#syntax.startsNewAccessUnit(this.#buffer, nal)) {
      out.push(this.#buffer.slice(this.#auStart, startCode));
      this.#auStart = startCode;
      this.#hasVcl = false;
    }
    if (this.#syntax.isVcl(this.#buffer, nal)) this.#hasVcl = true;
  }

  #append(chunk: Uint8Array) {
    // Drop what was emitted (or skipped) before growing, so the buffer holds one access unit.
    const keep = this.#auStart === -1 ? Math.max(0, this.#end - 3) : this.#auStart;
    if (keep > 0 && this.#end + chunk.length > this.#buffer.length) {
      this.#buffer.copyWithin(0, keep, this.#end);
      this.#end -= keep;
      this.#scanned = Math.max(0, this.#scanned - keep);
      if (this.#auStart !== -1) this.#auStart -= keep;
      if (this.#pendingNal !== -1) this.#pendingNal -= keep;
    }
    this.#buffer = appendBytes(this.#buffer, this.#end, chunk);
    this.#end += chunk.length;
  }

  #reset() {
    this.#end = 0;
    this.#auStart = -1;
    this.#hasVcl = false;
    this.#scanned = 0;
    this.#pendingNal = -1;
    this.#skipping = false;
  }
}
