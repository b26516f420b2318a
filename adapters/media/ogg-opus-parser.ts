/**
 * Audio from an Ogg Opus stream (`--audio -`, `gst:... ! opusenc ! oggmux`, `ffmpeg:... -f
 * ogg`), each packet sent as it arrives. A muxer writes a page of packets at once (oggmux
 * every 0.5 s unless told otherwise), so the newest packet of the first page read is taken as
 * live and the ones before it as that much older; after that, a packet's time is the previous
 * one's plus its duration (from its TOC byte), so the 48 kHz clock a viewer decodes by
 * advances exactly, and live audio starts in step with live video of the same source.
 */
import { OggOpusReader } from "../../core/opus/ogg-opus-reader.ts";
import { opusPacketSamples } from "../../core/opus/opus-packet.ts";
import { maxOpusPacketBytes } from "./frame-files-source.ts";
import type { ParserContext, StreamParser } from "./stream-source.ts";

/** Samples at 48 kHz as microseconds. */
const microseconds = (samples: number) => Math.round(samples * 1e6 / 48_000);

export class OggOpusParser implements StreamParser {
  readonly format = "Ogg Opus";
  readonly nothing: string;
  taken = 0;
  readonly #c: ParserContext;
  readonly #reader = new OggOpusReader(maxOpusPacketBytes);
  #startUs?: number;
  #samples = 0;

  constructor(context: ParserContext, name: string) {
    this.#c = context;
    this.nothing = `${name} has no Opus packets (is it Ogg Opus?)`;
  }

  push(chunk: Uint8Array): void {
    const timed: { packet: Uint8Array; samples: number }[] = [];
    for (const packet of this.#reader.push(chunk)) {
      try {
        timed.push({ packet, samples: opusPacketSamples(packet) });
      } catch (error) {
        this.#c.skipped.skip(`an Opus packet: ${(error as Error).message}`);
      }
    }
    if (timed.length === 0) return;
    this.#startUs ??= Math.max(
      0,
      this.#c.elapsedUs() - microseconds(timed.reduce((sum, t) => sum + t.samples, 0)),
    );
    for (const { packet, samples } of timed) {
      this.taken++;
      this.#c.sink.audio(packet, this.#startUs + microseconds(this.#samples));
      this.#samples += samples;
    }
  }

  flush(): void {}

  drained(): Promise<void> {
    return Promise.resolve();
  }

  stop(): void {}
}
