/**
 * H.264 access units and Opus packets out of a live Matroska/WebM stream, each as soon as its
 * block has arrived: the incremental MkvReader underneath, its H.264 track's avcC samples
 * turned into Annex-B (parameter sets before each keyframe), its Opus packets as they are.
 * Times are the container's, in µs from the stream's first block, one clock for both tracks;
 * a new Segment (a muxer restarted) goes on from the newest time rather than going back.
 */
import type { MkvTrack } from "../fragments/fragment.ts";
import { annexBAccessUnit, type AvcDecoderConfig, parseAvcDecoderConfig } from "../h264/avcc.ts";
import { MkvReader } from "./mkv-reader.ts";

const h264CodecId = "V_MPEG4/ISO/AVC";
const opusCodecId = "A_OPUS";

export type MkvMedia =
  /** The stream's tracks: the ones read (undefined: it has none of that kind), and all. */
  | { kind: "tracks"; video?: MkvTrack; audio?: MkvTrack; all: MkvTrack[] }
  | { kind: "video"; accessUnit: Uint8Array; timeUs: number }
  | { kind: "audio"; packet: Uint8Array; timeUs: number }
  /** A block that could not be taken (over its bound, or a malformed sample); the rest go on. */
  | { kind: "skipped"; why: string };

export interface MkvMediaReaderOptions {
  /** Read the Opus track too. */
  withAudio: boolean;
  maxAccessUnitBytes: number;
  maxOpusPacketBytes: number;
}

export class MkvMediaReader {
  readonly #o: MkvMediaReaderOptions;
  readonly #reader: MkvReader;
  #video?: { number: number; config: AvcDecoderConfig };
  #audioTrack?: number;
  /** Container ms of time 0, set by the first block (and again after a new Segment). */
  #baseMs?: number;
  #lastUs = { video: -1, audio: -1 };

  constructor(options: MkvMediaReaderOptions) {
    this.#o = options;
    // A block is bounded by the larger of the two; each kind's own bound is checked after.
    const maxBlockBytes = Math.max(options.maxAccessUnitBytes, options.maxOpusPacketBytes);
    this.#reader = new MkvReader({ maxBlockBytes });
  }

  /** What `chunk` completes; throws an Error (one line) when the stream cannot be read on. */
  push(chunk: Uint8Array): MkvMedia[] {
    return this.#media(this.#reader.push(chunk));
  }

  /** The stream ended. */
  end(): MkvMedia[] {
    return this.#media(this.#reader.end());
  }

  #media(events: ReturnType<MkvReader["push"]>): MkvMedia[] {
    const out: MkvMedia[] = [];
    for (const event of events) {
      if (event.type === "header" && this.#baseMs !== undefined) {
        // A new Segment's times may start again from 0: its first block goes on from here.
        this.#baseMs = undefined;
      } else if (event.type === "tracks") {
        out.push(this.#tracks(event.tracks));
      } else if (event.type === "block") {
        const media = this.#block(event.track, event.timecodeMs, event.keyframe, event.data);
        if (media) out.push(media);
      }
    }
    return out;
  }

  #tracks(all: MkvTrack[]): MkvMedia {
    const video = all.find((t) => t.kind === "video" && t.codecId === h264CodecId);
    if (video && !video.codecPrivate) {
      throw new Error(`its ${h264CodecId} track has no codec private data (avcC)`);
    }
    this.#video = video &&
      { number: video.number, config: parseAvcDecoderConfig(video.codecPrivate!) };
    const audio = this.#o.withAudio
      ? all.find((t) => t.kind === "audio" && t.codecId === opusCodecId)
      : undefined;
    this.#audioTrack = audio?.number;
    return { kind: "tracks", video, audio, all };
  }

  #block(track: number, timecodeMs: number, keyframe: boolean, data: Uint8Array) {
    const kind = track === this.#video?.number
      ? "video"
      : track === this.#audioTrack
      ? "audio"
      : undefined;
    if (kind === undefined) return undefined;
    const newest = Math.max(this.#lastUs.video, this.#lastUs.audio, 0);
    this.#baseMs ??= timecodeMs - newest / 1000;
    // A track's times never go back (a frame ring takes them in order).
    const timeUs = Math.max(this.#lastUs[kind], Math.round((timecodeMs - this.#baseMs) * 1000));
    const bound = kind === "video" ? this.#o.maxAccessUnitBytes : this.#o.maxOpusPacketBytes;
    if (data.length > bound) {
      return {
        kind: "skipped",
        why: `a ${data.length}-byte ${kind} block (bound ${bound})`,
      } as const;
    }
    this.#lastUs[kind] = timeUs;
    if (kind === "audio") return { kind, packet: data, timeUs } as const;
    try {
      const accessUnit = annexBAccessUnit(data, this.#video!.config, keyframe);
      return { kind, accessUnit, timeUs } as const;
    } catch (error) {
      return { kind: "skipped", why: `a video block: ${(error as Error).message}` } as const;
    }
  }
}
