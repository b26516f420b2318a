/**
 * Video from an Annex-B H.264 byte stream, cut into access units as bytes arrive. A live stream
 * has no timestamps: each access unit is sent as it comes, timed by its arrival. A paced one (a
 * file, or stdin with --fps) sends one per 1/fps, reading ahead only `maxQueuedFrames`. An
 * access unit over the splitter's bound is skipped with a warning.
 */
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { noAccessUnits, pace } from "./source.ts";
import type { ParserContext, StreamParser } from "./stream-source.ts";

/** Access units read ahead of a paced stream before it is paused. */
export const maxQueuedFrames = 60;

export class AnnexBParser implements StreamParser {
  readonly format = "Annex-B H.264";
  readonly nothing: string;
  taken = 0;
  readonly #c: ParserContext;
  readonly #fps?: number;
  readonly #splitter = new AccessUnitSplitter();
  readonly #queue: Uint8Array[] = [];
  #pacer?: { stop(): void };
  #lastUs = -1;
  #drained?: () => void;

  /** `name` as in "NAME has no H.264 access units"; `fps` paces it, else it is live. */
  constructor(context: ParserContext, name: string, fps?: number) {
    this.#c = context;
    this.#fps = fps;
    this.nothing = noAccessUnits(name);
  }

  push(chunk: Uint8Array): void {
    try {
      for (const au of this.#splitter.push(chunk)) this.#take(au);
    } catch (error) {
      this.#c.skipped.skip(`an access unit: ${(error as Error).message}`);
    }
  }

  flush(): void {
    const last = this.#splitter.flush();
    if (last) this.#take(last);
  }

  drained(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  stop(): void {
    this.#pacer?.stop();
    this.#queue.length = 0;
  }

  #take(au: Uint8Array) {
    this.taken++;
    if (this.#fps === undefined) {
      this.#lastUs = Math.max(this.#lastUs + 1, this.#c.elapsedUs());
      return this.#c.sink.video(au, this.#lastUs);
    }
    this.#queue.push(au);
    if (this.#queue.length >= maxQueuedFrames) this.#c.pause();
    this.#pacer ??= this.#paced(this.#fps);
  }

  /** Sends one queued access unit per frame interval; a slot with none queued is left empty. */
  #paced(fps: number) {
    return pace(1000 / fps, (n) => {
      const au = this.#queue.shift();
      if (au === undefined) {
        this.#drained?.();
        return true;
      }
      this.#c.sink.video(au, Math.round((n * 1e6) / fps));
      if (this.#queue.length < maxQueuedFrames / 2) this.#c.resume();
      if (this.#queue.length === 0) this.#drained?.();
      return true;
    });
  }
}
