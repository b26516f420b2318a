/**
 * The packaging of stored fragments, read back with mediabunny's demuxers: the init segment and
 * the media segments of consecutive fragments make one continuous stream at the fragments'
 * timeline times, every frame in it; TS segments too; a clip starts at 0.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from "mediabunny";
import type { MkvTrack, StoredFragment } from "../../core/fragments/fragment.ts";
import { hevcConfigSps } from "../../core/h265/hvcc.ts";
import { codecStreamsMissing, ffmpegHvcC } from "./support/codec-streams.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import {
  fmp4InitSegment,
  mediaSegment,
  mp4File,
  timedFrames,
} from "../../core/archived-media/media-packaging.ts";
import { playbackTracks } from "../../core/archived-media/playback-tracks.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";

const startMs = 1_700_000_000_000;
const fragments = sampleFragments({ startMs, seconds: 3, audio: true }).fragments.map((f, i) => ({
  ...f,
  fragmentNumber: String(i),
  serverTimestampMs: 5_000_000 + i * 1000,
})) as StoredFragment[];

/** Every packet's timestamp (s) per track type, in the order the file holds them. */
async function packetTimes(bytes: Uint8Array) {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const times: Record<string, number[]> = {};
  for (const track of await input.getTracks()) {
    const list: number[] = times[track.type] = [];
    const sink = new EncodedPacketSink(track);
    for await (const packet of sink.packets()) list.push(packet.timestamp);
  }
  return times;
}

const framesOf = (track: number) =>
  fragments.flatMap((f) => f.frames).filter((f) => f.track === track);

describe("media packaging", () => {
  test("a frame lasts until the next of its track; the last until its fragment ends", () => {
    const timed = timedFrames(fragments[0], 10_000);
    const video = timed.filter((f) => f.track === 1);
    assert.equal(video[0].timeMs, 10_000);
    assert.equal(video[1].timeMs - video[0].timeMs, video[0].durationMs);
    const last = video.at(-1)!;
    assert.equal(last.timeMs + last.durationMs, 10_000 + fragments[0].durationMs);
  });

  test("fMP4 init + one segment per fragment: one stream, every frame, at its server time", async () => {
    const tracks = playbackTracks(fragments[0].tracks, "FRAGMENTED_MP4");
    const init = await fmp4InitSegment(tracks, fragments.at(-1)!);
    const segments = await Promise.all(
      fragments.map((f) => mediaSegment("FRAGMENTED_MP4", tracks, f, f.serverTimestampMs)),
    );
    const times = await packetTimes(concatBytes([init, ...segments]));
    assert.equal(times.video.length, framesOf(1).length);
    assert.equal(times.audio.length, framesOf(2).length);
    const expected = fragments.flatMap((f) =>
      timedFrames(f, f.serverTimestampMs).filter((t) => t.track === 1).map((t) => t.timeMs / 1000)
    );
    assert.deepEqual(times.video.map((t) => Math.round(t * 1000) / 1000), expected);
  });

  test("MPEG-TS segments of a video-only stream concatenate into every frame", async () => {
    const video = fragments.map((f) => ({ ...f, tracks: f.tracks.slice(0, 1) }));
    const tracks = playbackTracks(video[0].tracks, "MPEG_TS");
    const segments = await Promise.all(
      video.map((f) => mediaSegment("MPEG_TS", tracks, f, f.producerTimestampMs)),
    );
    const times = await packetTimes(concatBytes(segments));
    assert.equal(times.video.length, framesOf(1).length);
    assert.deepEqual(Object.keys(times), ["video"]);
  });

  test("a clip is a plain MP4 whose timeline starts at 0", async () => {
    const tracks = playbackTracks(fragments[0].tracks, "MP4");
    const clip = await mp4File(
      tracks,
      fragments.map((fragment) => ({ fragment, startMs: fragment.producerTimestampMs - startMs })),
    );
    const times = await packetTimes(clip);
    assert.equal(times.video[0], 0);
    assert.equal(times.video.length, framesOf(1).length);
  });
});

describe("H.265 and VP8 tracks for playback", { skip: codecStreamsMissing() }, () => {
  const hevc = (codecPrivate: Uint8Array): MkvTrack => ({
    number: 1,
    uid: 1n,
    kind: "video",
    codecId: "V_MPEGH/ISO/HEVC",
    codecPrivate,
  });

  test("an H.265 track plays, with its codec string from the hvcC (as ffmpeg writes it)", () => {
    const hvcC = ffmpegHvcC();
    const [track] = playbackTracks([hevc(hvcC)], "FRAGMENTED_MP4");
    assert.equal(track.codec, "hevc");
    const { levelIdc } = hevcConfigSps(hvcC);
    // Main (profile 1, compatible with 1 and 2: 6 reversed), Main tier, progressive frames only.
    assert.equal(track.codecString, `hvc1.1.6.L${levelIdc}.90`);
  });

  test("a VP8 track is refused as AWS refuses it, and so is a malformed hvcC", () => {
    const vp8: MkvTrack = { number: 1, uid: 1n, kind: "video", codecId: "V_VP8" };
    assert.throws(
      () => playbackTracks([vp8], "FRAGMENTED_MP4"),
      (e: Error) => e.name === "UnsupportedStreamMediaTypeException" && /V_VP8/.test(e.message),
    );
    assert.throws(
      () => playbackTracks([hevc(Uint8Array.of(1, 2, 3))], "MPEG_TS"),
      (e: Error) => e.name === "InvalidCodecPrivateDataException",
    );
  });
});
