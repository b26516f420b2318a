/**
 * What a master broadcasts: one frame ring per track, fed by the sources, read by every
 * viewer's senders. Listeners hear of each new frame (to pump their senders); the frame's
 * bytes are never handed out as copies. Its bitrate (by media time) is what each viewer's
 * bandwidth estimate is weighed against.
 */
import { audioFrame } from "./media-frame.ts";
import { FrameRing, type FrameRingOptions, type RingFrame } from "./frame-ring.ts";
import type { TrackKind } from "./media-frame.ts";
import { VideoIngest } from "./video-ingest.ts";
import { type VideoCodec, videoCodecName } from "./video-codec.ts";
import { RateWindow } from "../congestion/rate-window.ts";
import type { Sps } from "../h264/sps.ts";
import type { H265Sps } from "../h265/sps.ts";
import { H265VideoIngest } from "../h265/video-ingest.ts";
import { vp8VideoFrame } from "../vp8/video-frame.ts";

export type FrameListener = (frame: RingFrame) => void;

export class Broadcast {
  readonly video: FrameRing;
  readonly audio: FrameRing;
  /** H.264 frames go through this, H.265 through `h265Ingest`; VP8 needs none. */
  readonly videoIngest: VideoIngest;
  readonly h265Ingest = new H265VideoIngest();
  #videoCodec?: VideoCodec;
  readonly #listeners = new Set<FrameListener>();
  /** Two seconds of media time per track (a GOP or more), 240 frames/s at most. */
  readonly #rates = {
    video: new RateWindow({ windowMs: 2000, minSpanMs: 500, capacity: 512 }),
    audio: new RateWindow({ windowMs: 2000, minSpanMs: 500, capacity: 512 }),
  };

  readonly #now: () => number;
  /** The monotonic ms at which media time 0 was live: set by the first frame, either track. */
  #mediaEpochMs?: number;

  /**
   * `videoCodec`: what the source sends, when it is known before its first frame (else the
   * first frame says). `now`: monotonic ms (performance.now by default; tests drive it).
   */
  constructor(
    options: { ring?: FrameRingOptions; videoCodec?: VideoCodec; now?: () => number } = {},
  ) {
    this.#now = options.now ?? (() => performance.now());
    this.video = new FrameRing("video", options.ring);
    this.audio = new FrameRing("audio", options.ring);
    this.videoIngest = new VideoIngest();
    this.#videoCodec = options.videoCodec;
  }

  /** The video's codec: as constructed, or the first frame's; undefined before either. */
  get videoCodec(): VideoCodec | undefined {
    return this.#videoCodec;
  }

  /** An H.264 stream's newest SPS, parsed (its profile and level); undefined before one. */
  get sps(): Sps | undefined {
    return this.videoIngest.sps;
  }

  /** An H.265 stream's newest SPS, parsed (profile, tier, level); undefined before one. */
  get h265Sps(): H265Sps | undefined {
    return this.h265Ingest.sps;
  }

  ring(kind: TrackKind): FrameRing {
    return kind === "video" ? this.video : this.audio;
  }

  /**
   * One picture at `timeUs`: an H.264 or H.265 access unit (Annex-B) or a VP8 frame; throws on a
   * malformed one, or one in another codec than the stream's.
   */
  pushVideo(picture: Uint8Array, timeUs: number, codec: VideoCodec = "h264"): RingFrame {
    const streamCodec = this.#videoCodec ??= codec;
    if (codec !== streamCodec) {
      throw new Error(
        `a ${videoCodecName[codec]} frame in a ${videoCodecName[streamCodec]} stream`,
      );
    }
    const frame = codec === "h264"
      ? this.videoIngest.frame(picture, timeUs)
      : codec === "h265"
      ? this.h265Ingest.frame(picture, timeUs)
      : vp8VideoFrame(picture, timeUs);
    return this.#publish(this.video.push(frame));
  }

  /** One Opus packet at `timeUs`. */
  pushAudio(packet: Uint8Array, timeUs: number): RingFrame {
    return this.#publish(this.audio.push(audioFrame(packet, timeUs)));
  }

  /** Bits per second of the stream's tracks over the last two seconds; NaN before half a second. */
  get bitrateBps(): number {
    const video = this.#rates.video.bps;
    const audio = this.#rates.audio.bps;
    return Number.isNaN(video) ? audio : video + (Number.isNaN(audio) ? 0 : audio);
  }

  /**
   * The media time live now (µs, the frames' clock), one for both tracks; undefined before the
   * first frame. The first frame is taken as live when it came, and media time runs on with the
   * clock from there (a live source's frames come as its clock gives them; a file is paced).
   */
  liveMediaTimeUs(): number | undefined {
    const epoch = this.#mediaEpochMs;
    return epoch === undefined ? undefined : Math.round((this.#now() - epoch) * 1000);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: FrameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  #publish(frame: RingFrame): RingFrame {
    this.#mediaEpochMs ??= this.#now() - frame.timeUs / 1000;
    this.#rates[frame.kind].add(frame.timeUs / 1000, frame.bytes.length);
    for (const listener of this.#listeners) listener(frame);
    return frame;
  }
}
