/**
 * Video and audio from a live Matroska/WebM stream (`matroskamux`, `ffmpeg -f matroska -`, on
 * a pipe), each block sent as soon as its bytes have arrived, at the container's time. Read with
 * kvsrtc's own incremental Matroska reader, not mediabunny: mediabunny gives a cluster's blocks
 * only once the whole cluster has arrived, and a muxer starts one at each keyframe, so a viewer
 * would see every frame up to a GOP (1-2 s) late. The reader holds one block at a time (under
 * the access-unit bound), whatever the cluster's size.
 */
import { defaultMaxAccessUnitBytes } from "../../core/h264/access-unit-splitter.ts";
import { type MkvMedia, MkvMediaReader } from "../../core/mkv/mkv-media-reader.ts";
import { maxOpusPacketBytes } from "./frame-files-source.ts";
import type { ParserContext, StreamParser } from "./stream-source.ts";

export class LiveMatroskaParser implements StreamParser {
  readonly format = "Matroska";
  readonly nothing: string;
  taken = 0;
  readonly #c: ParserContext;
  readonly #name: string;
  readonly #withAudio: boolean;
  readonly #reader: MkvMediaReader;
  #failed = false;

  /** `withAudio`: send the stream's Opus track too (false when --audio gives the audio). */
  constructor(context: ParserContext, name: string, withAudio: boolean) {
    this.#c = context;
    this.#name = name;
    this.#withAudio = withAudio;
    this.nothing = `${name} has no H.264 frames that could be read`;
    this.#reader = new MkvMediaReader({
      withAudio,
      maxAccessUnitBytes: defaultMaxAccessUnitBytes,
      maxOpusPacketBytes,
    });
  }

  /** Throws (the stream source ends it) when the stream is not Matroska it can read on. */
  push(chunk: Uint8Array): void {
    if (!this.#failed) this.#send(this.#reader.push(chunk));
  }

  flush(): void {
    if (this.#failed) return;
    try {
      this.#send(this.#reader.end());
    } catch { /* a stream cut inside a block: what came before it was sent */ }
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  stop(): void {
    this.#failed = true;
  }

  #send(media: MkvMedia[]) {
    const { sink, skipped } = this.#c;
    for (const m of media) {
      if (m.kind === "tracks") this.#tracks(m);
      else if (m.kind === "skipped") skipped.skip(m.why);
      else {
        this.taken++;
        if (m.kind === "video") sink.video(m.accessUnit, m.timeUs, "h264");
        else sink.audio(m.packet, m.timeUs);
      }
    }
  }

  #tracks(m: Extract<MkvMedia, { kind: "tracks" }>) {
    if (!m.video) {
      const has = m.all.map((t) => `${t.codecId || "unknown"} ${t.kind}`).join(", ");
      this.#failed = true;
      return this.#c.fail(`${this.#name} has no H.264 video track (it has ${has || "no tracks"})`);
    }
    if (this.#withAudio && !m.audio) {
      this.#c.warn(`${this.#name} has no Opus track that can be read; sending its video only`);
    }
  }
}
