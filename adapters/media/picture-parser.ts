/**
 * Video from a byte stream of pictures, cut as bytes arrive: Annex-B H.264 or H.265 into access
 * units, or VP8 in IVF into frames. A live stream's timestamps are not used (Annex-B has none):
 * each picture is sent as it comes, timed by its arrival. A paced one (a file, or stdin with
 * --fps) sends one per 1/fps, reading ahead only `maxQueuedFrames`. An access unit over the
 * splitter's bound is skipped with a warning; an IVF stream that is not VP8, or a frame size
 * over its bound (the stream has lost its framing), ends the source.
 */
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { type VideoCodec, videoCodecName } from "../../core/media/video-codec.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { noPictures, pace } from "./source.ts";
import type { ParserContext, StreamParser } from "./stream-source.ts";

/** Access units read ahead of a paced stream before it is paused. */
export const maxQueuedFrames = 60;

/** Cuts a stream's bytes into pictures. */
interface PictureCutter {
  /** Throws a `SkippedPicture` for one picture it leaves out; any other error ends the stream. */
  push(chunk: Uint8Array): Uint8Array[];
  flush(): Uint8Array | undefined;
}

/** A picture left out, the stream going on. */
class SkippedPicture extends Error {}

function annexBCutter(splitter: AccessUnitSplitter | H265AccessUnitSplitter): PictureCutter {
  return {
    push(chunk) {
      try {
        return splitter.push(chunk);
      } catch (error) {
        throw new SkippedPicture((error as Error).message);
      }
    },
    flush: () => splitter.flush(),
  };
}

function ivfCutter(): PictureCutter {
  const reader = new IvfReader();
  return {
    push(chunk) {
      const frames = reader.push(chunk);
      const fourcc = reader.header?.fourcc;
      if (fourcc !== undefined && fourcc !== "VP80") {
        throw new Error(`its IVF header says ${JSON.stringify(fourcc)}, not VP8 (VP80)`);
      }
      return frames.map((f) => f.data);
    },
    flush() {
      reader.end();
      return undefined;
    },
  };
}

const cutters: Record<VideoCodec, () => PictureCutter> = {
  h264: () => annexBCutter(new AccessUnitSplitter()),
  h265: () => annexBCutter(new H265AccessUnitSplitter()),
  vp8: ivfCutter,
};

export class PictureParser implements StreamParser {
  readonly format: string;
  readonly nothing: string;
  taken = 0;
  readonly #c: ParserContext;
  readonly #fps?: number;
  readonly #codec: VideoCodec;
  readonly #cutter: PictureCutter;
  readonly #queue: Uint8Array[] = [];
  #pacer?: { stop(): void };
  #lastUs = -1;
  #drained?: () => void;

  /** `name` as in "NAME has no H.264 access units"; `fps` paces it, else it is live. */
  constructor(context: ParserContext, name: string, codec: VideoCodec, fps?: number) {
    this.#c = context;
    this.#fps = fps;
    this.#codec = codec;
    this.#cutter = cutters[codec]();
    this.format = codec === "vp8" ? "VP8 in IVF" : `Annex-B ${videoCodecName[codec]}`;
    this.nothing = noPictures(name, codec);
  }

  push(chunk: Uint8Array): void {
    try {
      for (const picture of this.#cutter.push(chunk)) this.#take(picture);
    } catch (error) {
      if (!(error instanceof SkippedPicture)) throw error;
      this.#c.skipped.skip(`an access unit: ${error.message}`);
    }
  }

  flush(): void {
    try {
      const last = this.#cutter.flush();
      if (last) this.#take(last);
    } catch (error) {
      this.#c.skipped.skip(`the stream's end: ${(error as Error).message}`);
    }
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
      return this.#c.sink.video(au, this.#lastUs, this.#codec);
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
      this.#c.sink.video(au, Math.round((n * 1e6) / fps), this.#codec);
      if (this.#queue.length < maxQueuedFrames / 2) this.#c.resume();
      if (this.#queue.length === 0) this.#drained?.();
      return true;
    });
  }
}
