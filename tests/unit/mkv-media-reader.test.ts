import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { MkvTrack } from "../../core/fragments/fragment.ts";
import { avcDecoderConfigurationRecord } from "../../core/h264/avcc.ts";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { type MkvMedia, MkvMediaReader } from "../../core/mkv/mkv-media-reader.ts";
import { clusterStart, mkvHeader, simpleBlock } from "../../core/mkv/mkv-writer.ts";

const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80);
const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const idr = Uint8Array.of(0x65, 0x88, 0x84, 0x00);
const slice = Uint8Array.of(0x41, 0x9a, 0x02);

const videoTrack: MkvTrack = {
  number: 1,
  uid: 1n,
  kind: "video",
  codecId: "V_MPEG4/ISO/AVC",
  codecPrivate: avcDecoderConfigurationRecord(sps, pps),
};
const opusTrack: MkvTrack = {
  number: 2,
  uid: 2n,
  kind: "audio",
  codecId: "A_OPUS",
  codecPrivate: new TextEncoder().encode("OpusHead"),
};

/** A 4-byte-length-prefixed sample of NAL units, as Matroska stores H.264. */
function sample(...units: Uint8Array[]): Uint8Array {
  return concatBytes(units.flatMap((u) => [Uint8Array.of(0, 0, 0, u.length), u]));
}

const reader = (withAudio = true, maxOpusPacketBytes = 1000) =>
  new MkvMediaReader({ withAudio, maxAccessUnitBytes: 1 << 20, maxOpusPacketBytes });

/** Header, then one unknown-size Cluster at 5000 ms: a keyframe, an Opus packet, a P frame. */
function liveStream(tracks = [videoTrack, opusTrack], startMs = 5000): Uint8Array[] {
  return [
    concatBytes(mkvHeader({ tracks, segmentUid: new Uint8Array(16) })),
    concatBytes(clusterStart(startMs)),
    concatBytes(simpleBlock(1, 0, true, [sample(idr)])),
    concatBytes(simpleBlock(2, 20, true, [Uint8Array.of(0xfc, 1, 2, 3)])),
    concatBytes(simpleBlock(1, 40, false, [sample(slice)])),
  ];
}

const nalTypes = (au: Uint8Array) => findNalUnits(au).map((n) => nalType(au[n.offset]));
const media = (all: MkvMedia[], kind: MkvMedia["kind"]) => all.filter((m) => m.kind === kind);

describe("MkvMediaReader (live Matroska, block by block)", () => {
  test("each block comes out once its own bytes have arrived, inside an open Cluster", () => {
    const r = reader();
    const [head, cluster, key, audio, p] = liveStream();
    assert.equal(media(r.push(head), "tracks").length, 1);
    assert.deepEqual(r.push(cluster), []);
    assert.deepEqual(r.push(key.subarray(0, key.length - 1)), [], "not before its last byte");
    const [first] = r.push(key.subarray(key.length - 1));
    assert.equal(first.kind, "video");
    assert.equal(r.push(audio)[0].kind, "audio");
    assert.equal(r.push(p)[0].kind, "video", "the Cluster is still open: no end needed");
  });

  test("H.264 becomes Annex-B with the SPS and PPS before each keyframe, Opus stays as it is", () => {
    const out = reader().push(concatBytes(liveStream()));
    const [key, p] = media(out, "video") as Extract<MkvMedia, { kind: "video" }>[];
    assert.deepEqual(nalTypes(key.accessUnit), [NalType.sps, NalType.pps, NalType.idrSlice]);
    assert.deepEqual(nalTypes(p.accessUnit), [NalType.slice]);
    const [audio] = media(out, "audio") as Extract<MkvMedia, { kind: "audio" }>[];
    assert.deepEqual(audio.packet, Uint8Array.of(0xfc, 1, 2, 3));
  });

  test("times are the container's, in µs from the first block, one clock for both tracks", () => {
    const out = reader().push(concatBytes(liveStream()));
    const times = out.flatMap((m) => m.kind === "video" || m.kind === "audio" ? [m.timeUs] : []);
    assert.deepEqual(times, [0, 20_000, 40_000]);
  });

  test("a new Segment whose times start again goes on from the newest time", () => {
    const r = reader();
    r.push(concatBytes(liveStream()));
    const again = r.push(concatBytes(liveStream(undefined, 0)));
    const times = again.flatMap((m) => m.kind === "video" || m.kind === "audio" ? [m.timeUs] : []);
    assert.deepEqual(times, [40_000, 60_000, 80_000]);
  });

  test("without withAudio, or with no Opus track, only the video comes out", () => {
    const out = reader(false).push(concatBytes(liveStream()));
    assert.equal(media(out, "audio").length, 0);
    const tracks = out[0] as Extract<MkvMedia, { kind: "tracks" }>;
    assert.equal(tracks.audio, undefined);
    assert.equal(tracks.video?.number, 1);
  });

  test("a stream with no H.264 track says so in its tracks, and gives no frames", () => {
    const vp8: MkvTrack = { ...videoTrack, codecId: "V_VP8", codecPrivate: undefined };
    const out = reader().push(concatBytes(liveStream([vp8, opusTrack])));
    const tracks = out[0] as Extract<MkvMedia, { kind: "tracks" }>;
    assert.equal(tracks.video, undefined);
    assert.deepEqual(tracks.all.map((t) => t.codecId), ["V_VP8", "A_OPUS"]);
    assert.equal(media(out, "video").length, 0);
  });

  test("an H.264 track without its avcC is refused in one line", () => {
    const bare: MkvTrack = { ...videoTrack, codecPrivate: undefined };
    assert.throws(() => reader().push(concatBytes(liveStream([bare]))), /no codec private data/);
  });

  test("a packet over its bound or a malformed sample is skipped, and the rest go on", () => {
    const r = reader(true, 3);
    const [head, cluster] = liveStream();
    const out = r.push(concatBytes([
      head,
      cluster,
      concatBytes(simpleBlock(2, 0, true, [Uint8Array.of(1, 2, 3, 4)])),
      concatBytes(simpleBlock(1, 10, true, [Uint8Array.of(0, 0, 0, 99, 0x65)])),
      concatBytes(simpleBlock(1, 20, true, [sample(idr)])),
    ]));
    const skipped = media(out, "skipped") as Extract<MkvMedia, { kind: "skipped" }>[];
    assert.match(skipped[0].why, /4-byte audio block \(bound 3\)/);
    assert.match(skipped[1].why, /video block: .*overruns/);
    assert.equal(media(out, "video").length, 1);
  });

  test("what ffmpeg writes (-f matroska): every frame and packet, in time order per track", () => {
    const bytes = new Uint8Array(
      readFileSync(new URL("fixtures/ffmpeg-testsrc-2s.mkv", import.meta.url)),
    );
    const r = reader(true, 1 << 16);
    const out: MkvMedia[] = [];
    // In small chunks, as a pipe gives them.
    for (let at = 0; at < bytes.length; at += 1000) {
      out.push(...r.push(bytes.subarray(at, at + 1000)));
    }
    out.push(...r.end());
    const video = media(out, "video") as Extract<MkvMedia, { kind: "video" }>[];
    const audio = media(out, "audio") as Extract<MkvMedia, { kind: "audio" }>[];
    assert.equal(media(out, "skipped").length, 0);
    assert.ok(video.length >= 19 && audio.length >= 90, `${video.length} / ${audio.length}`);
    assert.ok(
      nalTypes(video[0].accessUnit).includes(NalType.sps),
      "the first keyframe has its SPS",
    );
    for (const list of [video, audio]) {
      assert.ok(list.every((m, i) => i === 0 || m.timeUs >= list[i - 1].timeUs));
    }
  });
});
