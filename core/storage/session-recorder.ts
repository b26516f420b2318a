/**
 * What the storage session's media server does with what it receives: H.264 access units and
 * Opus packets, each with its RTP timestamp and when it arrived, become KVS fragments, cut at
 * keyframes as a producer cuts them (core/producer/fragmenter.ts), with the Tracks of the
 * stream's own SPS and PPS (avcC) and an Opus track (OpusHead). Frames are stored as AVCC with
 * every NAL unit the access unit had. Timestamps are absolute: each track's arrival wall clock
 * plus its RTP time (ArrivalClock). Runtime-free: the adapter feeds it and stores what it gives.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import type { Fragment, FragmentFrame, MkvTrack } from "../fragments/fragment.ts";
import { durationMs } from "../fragments/put-media-ingest.ts";
import type { RingFrame } from "../media/frame-ring.ts";
import { audioFrame, videoFrame } from "../media/media-frame.ts";
import {
  audioTrackNumber,
  avccPieces,
  uploadTracks,
  videoTrackNumber,
} from "../producer/fragment-pieces.ts";
import { Fragmenter, type OutgoingFragment } from "../producer/fragmenter.ts";
import { ArrivalClock } from "./arrival-clock.ts";

export interface RecorderStats {
  fragments: number;
  videoFrames: number;
  audioPackets: number;
  /** Frames in no fragment: before the first keyframe, over-long GOPs, late audio. */
  framesSkipped: number;
  /** Fragments dropped because no keyframe so far carried an SPS and a PPS. */
  fragmentsWithoutParameterSets: number;
}

/**
 * WebRTC's Opus is always signalled as 2 channels (RFC 7587 §7); a mono sender's packets
 * decode as stereo too.
 */
const opusChannels = 2;

export class SessionRecorder {
  readonly #fragment: (fragment: Fragment) => void;
  readonly #video = new ArrivalClock(90_000);
  readonly #audio = new ArrivalClock(48_000);
  #fragmenter?: Fragmenter;
  #startWallMs = 0;
  #index = 0;
  /** The tracks from the newest keyframe with SPS and PPS, and those of the open fragment. */
  #tracks?: MkvTrack[];
  #openTracks?: MkvTrack[];
  #fragments = 0;
  #videoFrames = 0;
  #audioPackets = 0;
  #withoutParameterSets = 0;

  /** `fragment` gets each fragment once it is complete (the next keyframe, or `finish`). */
  constructor(fragment: (fragment: Fragment) => void) {
    this.#fragment = fragment;
  }

  /** One access unit (Annex-B) as the depacketizer gave it out. */
  video(accessUnit: Uint8Array, rtpTimestamp: number, arrivalWallMs: number): void {
    const wallMs = this.#video.wallMs(rtpTimestamp, arrivalWallMs);
    this.#fragmenter ??= this.#start(wallMs);
    this.#videoFrames++;
    const frame = { ...videoFrame(accessUnit, this.#timeUs(wallMs)), index: this.#index++ };
    if (frame.keyframe) this.#tracksFrom(frame);
    this.#push(frame);
  }

  /** One Opus packet; its bytes are copied (it is a view into an RTP packet). */
  audio(packet: Uint8Array, rtpTimestamp: number, arrivalWallMs: number): void {
    const wallMs = this.#audio.wallMs(rtpTimestamp, arrivalWallMs);
    // Nothing to cut a fragment at before the first video frame.
    if (!this.#fragmenter) return;
    this.#audioPackets++;
    this.#push({ ...audioFrame(packet.slice(), this.#timeUs(wallMs)), index: this.#index++ });
  }

  /** Ends the open fragment (the session is over) and gives it out. */
  finish(): void {
    const open = this.#fragmenter?.finish();
    if (open) this.#emit(open);
  }

  get stats(): RecorderStats {
    const skipped = this.#fragmenter?.skipped;
    return {
      fragments: this.#fragments,
      videoFrames: this.#videoFrames,
      audioPackets: this.#audioPackets,
      framesSkipped: skipped ? skipped.beforeKeyframe + skipped.overLongGop + skipped.late : 0,
      fragmentsWithoutParameterSets: this.#withoutParameterSets,
    };
  }

  #start(wallMs: number): Fragmenter {
    this.#startWallMs = Math.floor(wallMs);
    return new Fragmenter({ startWallMs: this.#startWallMs });
  }

  #timeUs(wallMs: number): number {
    return Math.max(0, Math.round((wallMs - this.#startWallMs) * 1000));
  }

  #tracksFrom(keyframe: RingFrame) {
    try {
      this.#tracks = uploadTracks(keyframe, opusChannels);
    } catch {
      // A keyframe without in-band SPS and PPS keeps the tracks of the last one that had them.
    }
  }

  #push(frame: RingFrame) {
    const step = this.#fragmenter!.push(frame);
    if (step.ended) this.#emit(step.ended);
    if (step.started) this.#openTracks = this.#tracks;
  }

  #emit(outgoing: OutgoingFragment) {
    const tracks = this.#openTracks;
    if (!tracks) {
      this.#withoutParameterSets++;
      return;
    }
    const fragmenter = this.#fragmenter!;
    const frames: FragmentFrame[] = outgoing.frames.map((f) => ({
      track: f.kind === "video" ? videoTrackNumber : audioTrackNumber,
      timecodeMs: fragmenter.timecodeMs(f),
      keyframe: f.kind === "audio" || f.keyframe,
      data: f.kind === "video" ? concatBytes(avccPieces(f)) : f.bytes,
    }));
    this.#fragments++;
    this.#fragment({
      producerTimestampMs: outgoing.timecodeMs,
      durationMs: durationMs(frames, outgoing.timecodeMs),
      tracks,
      frames,
      tags: [],
      // No Cluster was received: the size of the frames' data stands for it.
      sizeBytes: frames.reduce((n, f) => n + f.data.byteLength, 0),
    });
  }
}
