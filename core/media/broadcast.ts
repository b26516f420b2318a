/**
 * What a master broadcasts: one frame ring per track, fed by the sources, read by every
 * viewer's senders. Listeners hear of each new frame (to pump their senders); the frame's
 * bytes are never handed out as copies.
 */
import { audioFrame } from "./media-frame.ts";
import { FrameRing, type FrameRingOptions, type RingFrame } from "./frame-ring.ts";
import type { TrackKind } from "./media-frame.ts";
import { VideoIngest } from "./video-ingest.ts";
import type { Sps } from "../h264/sps.ts";

export type FrameListener = (frame: RingFrame) => void;

export class Broadcast {
  readonly video: FrameRing;
  readonly audio: FrameRing;
  readonly videoIngest: VideoIngest;
  readonly #listeners = new Set<FrameListener>();

  constructor(options: { ring?: FrameRingOptions } = {}) {
    this.video = new FrameRing("video", options.ring);
    this.audio = new FrameRing("audio", options.ring);
    this.videoIngest = new VideoIngest();
  }

  /** The video stream's newest SPS, parsed (its profile and level); undefined before one. */
  get sps(): Sps | undefined {
    return this.videoIngest.sps;
  }

  ring(kind: TrackKind): FrameRing {
    return kind === "video" ? this.video : this.audio;
  }

  /** One H.264 access unit (Annex-B) at `timeUs`; throws on a malformed one. */
  pushVideo(accessUnit: Uint8Array, timeUs: number): RingFrame {
    return this.#publish(this.video.push(this.videoIngest.frame(accessUnit, timeUs)));
  }

  /** One Opus packet at `timeUs`. */
  pushAudio(packet: Uint8Array, timeUs: number): RingFrame {
    return this.#publish(this.audio.push(audioFrame(packet, timeUs)));
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
    for (const listener of this.#listeners) listener(frame);
    return frame;
  }
}
