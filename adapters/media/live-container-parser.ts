/**
 * Video and audio from a container stream as it arrives — MPEG-TS (`mpegtsmux`, `ffmpeg -f
 * mpegts -`) on a pipe — demuxed by mediabunny's ReadableStreamSource, which reads an
 * unbounded, non-seekable stream from start to end. Each packet is sent as soon as mediabunny
 * gives it (no pacing: the stream is live), at the container's own timestamp from the first
 * one, the same clock for both tracks, so they stay in sync. It reads no Opus from MPEG-TS:
 * such a stream gives its video only. (Live Matroska is read block by block instead, by
 * live-matroska-parser.ts: mediabunny would hold each cluster back until all of it arrived.)
 */
import type { Input } from "mediabunny";
import type { ContainerFormat } from "../../core/container/container-format.ts";
import { playableTracks, sendPacket } from "./container-source.ts";
import { oneLine } from "./source.ts";
import type { ParserContext, StreamParser } from "./stream-source.ts";

/** Bytes of the stream mediabunny holds in memory at most (a few clusters of a camera). */
const readCacheBytes = 16 << 20;
/** Bytes queued for mediabunny before the stream is paused. */
const queuedBytes = 4 << 20;

export class LiveContainerParser implements StreamParser {
  readonly format: ContainerFormat;
  readonly nothing: string;
  taken = 0;
  readonly #c: ParserContext;
  readonly #name: string;
  readonly #withAudio: boolean;
  readonly #done: Promise<void>;
  #bytes!: ReadableStreamDefaultController<Uint8Array>;
  #input?: Input;
  #stopped = false;

  /** `withAudio`: send the stream's Opus track too (false when --audio gives the audio). */
  constructor(context: ParserContext, name: string, format: ContainerFormat, withAudio: boolean) {
    this.#c = context;
    this.#name = name;
    this.#withAudio = withAudio;
    this.format = format;
    this.nothing = `${name} has no H.264 frames that could be read`;
    const stream = new ReadableStream<Uint8Array>(
      { start: (c) => void (this.#bytes = c), pull: () => context.resume() },
      new ByteLengthQueuingStrategy({ highWaterMark: queuedBytes }),
    );
    this.#done = this.#demux(stream).then(
      (why) => void (why && context.fail(why)),
      (error) => void (!this.#stopped && context.fail(`${name} failed: ${oneLine(error)}`)),
    );
  }

  push(chunk: Uint8Array): void {
    this.#bytes.enqueue(chunk);
    if ((this.#bytes.desiredSize ?? 1) <= 0) this.#c.pause();
  }

  flush(): void {
    try {
      this.#bytes.close();
    } catch { /* mediabunny cancelled its read (it read all it wanted): nothing to close */ }
  }

  drained(): Promise<void> {
    return this.#done;
  }

  stop(): void {
    this.#stopped = true;
    this.#input?.dispose();
  }

  /** Sends the stream's packets as mediabunny reads them; returns why it cannot, if so. */
  async #demux(stream: ReadableStream<Uint8Array>): Promise<string | undefined> {
    const { ALL_FORMATS, Input, ReadableStreamSource } = await import("mediabunny");
    const input = this.#input = new Input({
      source: new ReadableStreamSource(stream, { maxCacheSize: readCacheBytes }),
      formats: ALL_FORMATS,
    });
    const played = await playableTracks(input, this.#name, this.#withAudio, this.#c.sink);
    if (typeof played === "string") return played;
    if (this.#withAudio && played.length === 1) {
      const why = this.format === "MPEG-TS"
        ? " (mediabunny reads none from MPEG-TS: mux Matroska)"
        : "";
      this.#c.warn(
        `${this.#name} has no Opus track that can be read${why}; sending its video only`,
      );
    }
    const firstS = await input.getFirstTimestamp(played.map((p) => p.track));
    await Promise.all(played.map(async (track) => {
      let lastUs = 0;
      for await (const packet of track.packets.packets()) {
        if (this.#stopped) return;
        this.taken++;
        // A track's times never go back (a frame ring takes them in order).
        lastUs = Math.max(lastUs, Math.round((packet.timestamp - firstS) * 1e6));
        sendPacket(track, packet, lastUs, this.#c.skipped);
      }
    }));
  }
}
