/**
 * The Opus audio packets of an Ogg Opus stream (RFC 7845) arriving in chunks, as opusenc !
 * oggmux and ffmpeg -c:a libopus -f ogg write it: the first logical stream's packets, its
 * OpusHead checked and its two header packets (OpusHead, OpusTags) left out.
 */
import { OggPacketReader } from "./ogg-packets.ts";

export class OggOpusReader {
  readonly #ogg: OggPacketReader;
  #serial?: number;
  #headersSeen = 0;

  /** `maxPacketBytes` bounds one packet, also one reassembled across pages. */
  constructor(maxPacketBytes: number) {
    this.#ogg = new OggPacketReader(maxPacketBytes);
  }

  /** Adds bytes; returns the audio packets they complete. Throws if it is not Ogg Opus. */
  push(chunk: Uint8Array): Uint8Array[] {
    const audio: Uint8Array[] = [];
    for (const packet of this.#ogg.push(chunk)) {
      this.#serial ??= packet.serial;
      if (packet.serial !== this.#serial) continue; // another logical stream: not ours
      if (this.#headersSeen === 0 && !startsWith(packet.data, "OpusHead")) {
        throw new Error("its first Ogg packet is not an OpusHead (is it Ogg Opus?)");
      }
      if (this.#headersSeen < 2) this.#headersSeen++;
      else audio.push(packet.data);
    }
    return audio;
  }
}

function startsWith(bytes: Uint8Array, magic: string): boolean {
  return bytes.length >= magic.length && [...magic].every((c, i) => bytes[i] === c.charCodeAt(0));
}
