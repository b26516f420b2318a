/**
 * Collects the NAL units of one frame's RTP payloads, whole or in fragments (H.264 FU-A,
 * H.265 FU), and joins them as Annex-B with 4-byte start codes. A fragmented NAL unit that does
 * not run from its start fragment to its end fragment is a `PayloadError`: the frame goes.
 */
import { PayloadError } from "./depacketizer.ts";

export class AnnexBFrameBuilder {
  /** Each NAL unit as its byte pieces (several for a fragmented one). */
  readonly #nalUnits: Uint8Array[][] = [];
  #fragmented: Uint8Array[] | undefined;
  #size = 0;

  /** The NAL units collected so far (each one's first piece begins with its header). */
  get nalUnits(): readonly (readonly Uint8Array[])[] {
    return this.#nalUnits;
  }

  /** A whole NAL unit (a single NAL unit packet, or one of an aggregation). */
  whole(nal: Uint8Array) {
    if (this.#fragmented) throw new PayloadError("fragmented NAL unit without its end");
    this.#nalUnits.push([nal]);
    this.#size += nal.length;
  }

  /**
   * The NAL units of an aggregation packet (STAP-A, H.265 AP without DONL): from `from` on,
   * each after its 16-bit size. A size that is zero or overruns the packet is a `PayloadError`.
   */
  aggregated(payload: Uint8Array, from: number) {
    for (let at = from; at < payload.length;) {
      const size = at + 2 <= payload.length ? (payload[at] << 8) | payload[at + 1] : 0;
      if (size === 0 || at + 2 + size > payload.length) {
        throw new PayloadError("an aggregated NAL unit's size overruns the packet");
      }
      this.whole(payload.subarray(at + 2, at + 2 + size));
      at += 2 + size;
    }
  }

  /**
   * One fragment: on the start fragment, `header` is the NAL unit's header rebuilt from the
   * fragmentation headers; `body` is the fragment's share of the rest.
   */
  fragment(header: Uint8Array | undefined, body: Uint8Array, end: boolean) {
    if (header) {
      if (this.#fragmented) throw new PayloadError("FU start inside another fragmented NAL unit");
      this.#fragmented = [header];
      this.#nalUnits.push(this.#fragmented);
      this.#size += header.length;
    } else if (!this.#fragmented) {
      throw new PayloadError("FU fragment without its start");
    }
    this.#fragmented.push(body);
    this.#size += body.length;
    if (end) this.#fragmented = undefined;
  }

  /** The frame as Annex-B (a new buffer). */
  annexB(): Uint8Array {
    if (this.#fragmented) throw new PayloadError("fragmented NAL unit without its end");
    const data = new Uint8Array(this.#size + 4 * this.#nalUnits.length);
    let at = 0;
    for (const pieces of this.#nalUnits) {
      data[at + 3] = 1;
      at += 4;
      for (const piece of pieces) {
        data.set(piece, at);
        at += piece.length;
      }
    }
    return data;
  }
}
