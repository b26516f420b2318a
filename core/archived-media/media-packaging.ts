/**
 * Stored fragments packaged for players with mediabunny: the fMP4 init segment and one media
 * segment per fragment (CMAF) for HLS and DASH, an MPEG-TS segment per fragment, and a plain
 * MP4 for GetClip. Every frame is placed on the session's timeline (`startMs` of its fragment,
 * from the producer or the server timestamp) so the segments of one playlist line up.
 *
 * In core although it uses a library: mediabunny is plain TypeScript over web-standard APIs
 * (its BufferTarget writes to memory), so this file still needs no runtime, network or file.
 */
import {
  BufferTarget,
  CmafOutputFormat,
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  Mp4OutputFormat,
  MpegTsOutputFormat,
  Output,
  type OutputFormat,
} from "mediabunny";
import type { StoredFragment } from "../fragments/fragment.ts";
import { parseAvcDecoderConfig } from "../h264/avcc.ts";
import { parseSps } from "../h264/sps.ts";
import { hevcConfigSps } from "../h265/hvcc.ts";
import type { PlaybackTrack } from "./playback-tracks.ts";

/** A fragment's frame placed on a session's timeline. */
export interface TimedFrame {
  track: number;
  timeMs: number;
  durationMs: number;
  keyframe: boolean;
  data: Uint8Array;
}

/** What a frame's duration is when nothing after it in its fragment tells (ms). */
const lastFrameFallbackMs = 1;

/**
 * The frames of `fragment` on a timeline where the fragment starts at `startMs`; each frame
 * lasts until the next of its track, the last until the fragment's end.
 */
export function timedFrames(fragment: StoredFragment, startMs: number): TimedFrame[] {
  const shift = startMs - fragment.producerTimestampMs;
  const endMs = fragment.producerTimestampMs + fragment.durationMs;
  const next = new Map<number, number>();
  const out: TimedFrame[] = [];
  for (let i = fragment.frames.length - 1; i >= 0; i--) {
    const frame = fragment.frames[i];
    const until = next.get(frame.track) ?? endMs;
    const durationMs = until > frame.timecodeMs ? until - frame.timecodeMs : lastFrameFallbackMs;
    next.set(frame.track, frame.timecodeMs);
    out.push({ ...frame, timeMs: frame.timecodeMs + shift, durationMs });
  }
  return out.reverse();
}

function videoConfig(playback: PlaybackTrack): VideoDecoderConfig {
  const { track } = playback;
  const record = track.codecPrivate!;
  const size = track.video ?? pictureSize(playback.codec, record);
  return {
    codec: playback.codecString,
    codedWidth: size.width,
    codedHeight: size.height,
    description: record,
  };
}

/** A track's picture size from its avcC or hvcC, when the track does not say it. */
function pictureSize(codec: PlaybackTrack["codec"], record: Uint8Array) {
  if (codec === "avc") return parseSps(parseAvcDecoderConfig(record).parameterSets[0]);
  return hevcConfigSps(record);
}

function audioConfig(playback: PlaybackTrack): AudioDecoderConfig {
  const { track } = playback;
  return {
    codec: playback.codecString,
    // Opus in MP4 always runs at 48 kHz, whatever rate the encoder was fed.
    sampleRate: playback.codec === "opus" ? 48_000 : track.audio?.samplingFrequency ?? 48_000,
    numberOfChannels: track.audio?.channels ?? 2,
    description: track.codecPrivate,
  };
}

interface Muxed {
  media: Uint8Array<ArrayBuffer>;
  init?: Uint8Array<ArrayBuffer>;
}

async function mux(
  format: OutputFormat,
  tracks: readonly PlaybackTrack[],
  frames: readonly TimedFrame[],
): Promise<Muxed> {
  const target = new BufferTarget();
  const initTarget = new BufferTarget();
  const output = new Output({ format, target, initTarget });
  const sources = new Map(tracks.map((playback) => {
    const source = playback.codec === "avc" || playback.codec === "hevc"
      ? new EncodedVideoPacketSource(playback.codec)
      : new EncodedAudioPacketSource(playback.codec);
    if (source instanceof EncodedVideoPacketSource) output.addVideoTrack(source);
    else output.addAudioTrack(source);
    return [playback.track.number, { playback, source, first: true }];
  }));
  await output.start();
  for (const frame of frames) {
    const entry = sources.get(frame.track);
    if (!entry) continue;
    const packet = new EncodedPacket(
      frame.data,
      frame.keyframe ? "key" : "delta",
      frame.timeMs / 1000,
      frame.durationMs / 1000,
    );
    const { playback, source, first } = entry;
    entry.first = false;
    if (source instanceof EncodedVideoPacketSource) {
      await source.add(packet, first ? { decoderConfig: videoConfig(playback) } : undefined);
    } else {
      await source.add(packet, first ? { decoderConfig: audioConfig(playback) } : undefined);
    }
  }
  await output.finalize();
  const bytes = (target: BufferTarget) => target.buffer ? new Uint8Array(target.buffer) : undefined;
  return { media: bytes(target)!, init: bytes(initTarget) };
}

/** The fMP4 init segment (ftyp, moov) for segments of `tracks`, built from one fragment. */
export async function fmp4InitSegment(
  tracks: readonly PlaybackTrack[],
  fragment: StoredFragment,
): Promise<Uint8Array<ArrayBuffer>> {
  const { init } = await mux(new CmafOutputFormat(), tracks, timedFrames(fragment, 0));
  return init!;
}

/** One fragment as a segment (moof and mdat for fMP4, 188-byte packets for MPEG-TS). */
export async function mediaSegment(
  container: "FRAGMENTED_MP4" | "MPEG_TS",
  tracks: readonly PlaybackTrack[],
  fragment: StoredFragment,
  startMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const format = container === "MPEG_TS" ? new MpegTsOutputFormat() : new CmafOutputFormat();
  return (await mux(format, tracks, timedFrames(fragment, startMs))).media;
}

/** Fragments in order, each at its `startMs`, as one plain MP4 (moov first). */
export async function mp4File(
  tracks: readonly PlaybackTrack[],
  fragments: readonly { fragment: StoredFragment; startMs: number }[],
): Promise<Uint8Array<ArrayBuffer>> {
  const frames = fragments.flatMap(({ fragment, startMs }) => timedFrames(fragment, startMs));
  return (await mux(new Mp4OutputFormat({ fastStart: "in-memory" }), tracks, frames)).media;
}
