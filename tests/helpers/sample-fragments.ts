/**
 * The built-in sample (H.264 frames at 30 fps, Opus packets of 20 ms) as KVS fragments: one per
 * GOP, with AVCC frames and an avcC made from the sample's own SPS and PPS, as a producer would
 * upload them. Tests of the endpoint's read-back compare what comes back against these.
 */
import { readFileSync } from "node:fs";
import { builtinSampleFiles } from "../../adapters/media/builtin-sample-files.ts";
import { avcDecoderConfigurationRecord } from "../../core/h264/avcc.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { parameterSets, videoFrame } from "../../core/media/media-frame.ts";
import { opusHead } from "../../core/opus/opus-head.ts";
import type { Fragment, FragmentFrame, MkvTrack } from "../../core/fragments/fragment.ts";

export const sampleFps = 30;
export const opusPacketMs = 20;

/** One Annex-B access unit as AVCC: each NAL unit after its 4-byte big-endian length. */
export function avccFrame(annexB: Uint8Array): Uint8Array {
  const frame = videoFrame(annexB, 0);
  const out = new Uint8Array(frame.nalUnits.reduce((n, u) => n + 4 + u.length, 0));
  let at = 0;
  for (const unit of frame.nalUnits) {
    new DataView(out.buffer).setUint32(at, unit.length);
    out.set(annexB.subarray(unit.offset, unit.offset + unit.length), at + 4);
    at += 4 + unit.length;
  }
  return out;
}

export interface SampleUpload {
  tracks: MkvTrack[];
  fragments: Fragment[];
  /** Every frame, in upload order (video and audio interleaved by time). */
  frames: FragmentFrame[];
}

/**
 * The sample from `startMs` (ms since the epoch): `seconds` of video (whole GOPs), and of Opus
 * when `audio` is set. A fragment's duration runs to the next fragment's start.
 */
export function sampleFragments(
  options: { startMs?: number; seconds?: number; audio?: boolean } = {},
): SampleUpload {
  const startMs = options.startMs ?? 1_700_000_000_000;
  const files = [...builtinSampleFiles()];
  const videoFiles = files.filter(([name]) => name.endsWith(".h264")).map(([, path]) => path);
  const audioFiles = files.filter(([name]) => name.endsWith(".opus")).map(([, path]) => path);
  const count = Math.min(videoFiles.length, Math.round((options.seconds ?? 10) * sampleFps));
  const video = videoFiles.slice(0, count).map((path, i) => {
    const annexB = new Uint8Array(readFileSync(path));
    return {
      annexB,
      frame: videoFrame(annexB, 0),
      timecodeMs: startMs + Math.round((i * 1000) / sampleFps),
    };
  });
  const first = video[0].frame;
  const { sps, pps } = parameterSets(first.bytes, first.nalUnits);
  if (!sps || !pps || !first.keyframe) {
    throw new Error("the sample does not start with an IDR frame with SPS and PPS");
  }
  const { width, height } = parseSps(sps);
  const tracks: MkvTrack[] = [{
    number: 1,
    uid: 1n,
    kind: "video",
    codecId: "V_MPEG4/ISO/AVC",
    name: "kvsrtc video",
    codecPrivate: avcDecoderConfigurationRecord(sps, pps),
    video: { width, height },
  }];
  const frames: FragmentFrame[] = video.map((v) => ({
    track: 1,
    timecodeMs: v.timecodeMs,
    keyframe: v.frame.keyframe,
    data: avccFrame(v.annexB),
  }));
  if (options.audio) {
    tracks.push({
      number: 2,
      uid: 2n,
      kind: "audio",
      codecId: "A_OPUS",
      name: "kvsrtc audio",
      codecPrivate: opusHead(2),
      audio: { samplingFrequency: 48_000, channels: 2 },
    });
    const endMs = startMs + Math.round((count * 1000) / sampleFps);
    for (let i = 0; i < audioFiles.length && startMs + i * opusPacketMs < endMs; i++) {
      frames.push({
        track: 2,
        timecodeMs: startMs + i * opusPacketMs,
        keyframe: true,
        data: new Uint8Array(readFileSync(audioFiles[i])),
      });
    }
    // Stable: at equal times video comes first, as a producer writes a keyframe's cluster.
    frames.sort((a, b) => a.timecodeMs - b.timecodeMs);
  }
  const starts = frames.filter((f) => f.track === 1 && f.keyframe).map((f) => f.timecodeMs);
  const endMs = startMs + Math.round((count * 1000) / sampleFps);
  const fragments = starts.map((start, i): Fragment => {
    const end = starts[i + 1] ?? endMs;
    const own = frames.filter((f) => f.timecodeMs >= start && f.timecodeMs < end);
    return {
      producerTimestampMs: start,
      durationMs: end - start,
      tracks,
      frames: own,
      tags: [],
      sizeBytes: own.reduce((n, f) => n + f.data.length, 0),
    };
  });
  return { tracks, fragments, frames };
}
