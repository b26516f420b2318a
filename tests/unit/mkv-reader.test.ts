import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { EbmlId, element, uintElement } from "../../core/mkv/ebml.ts";
import { MkvError } from "../../core/mkv/ebml-read.ts";
import { type MkvEvent, MkvReader } from "../../core/mkv/mkv-reader.ts";
import {
  clusterStart,
  fragmentElements,
  mkvHeader,
  simpleBlock,
  tagsElement,
} from "../../core/mkv/mkv-writer.ts";
import type { FragmentFrame, MkvTrack } from "../../core/fragments/fragment.ts";

const tracks: MkvTrack[] = [
  {
    number: 1,
    uid: 1n,
    kind: "video",
    codecId: "V_MPEG4/ISO/AVC",
    codecPrivate: Uint8Array.of(1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 0),
    video: { width: 640, height: 480 },
  },
  {
    number: 2,
    uid: 2n,
    kind: "audio",
    codecId: "A_OPUS",
    codecPrivate: new TextEncoder().encode("OpusHead"),
    audio: { samplingFrequency: 48000, channels: 2 },
  },
];

const startMs = 1_700_000_000_000;

function frames(fragment: number): FragmentFrame[] {
  const out: FragmentFrame[] = [];
  for (let i = 0; i < 10; i++) {
    const timecodeMs = startMs + fragment * 2000 + i * 200;
    const data = new Uint8Array(100 + i * 37).fill(fragment * 16 + i);
    out.push({ track: 1, timecodeMs, keyframe: i === 0, data });
    out.push({ track: 2, timecodeMs, keyframe: true, data: data.subarray(0, 20) });
  }
  return out;
}

/** A PutMedia body as producer-c writes it: header, then 3 fragments each with its Tags. */
function body(): Uint8Array {
  const pieces = mkvHeader({ tracks, segmentUid: new Uint8Array(16) });
  for (let f = 0; f < 3; f++) {
    pieces.push(...fragmentElements({
      producerTimestampMs: startMs + f * 2000,
      frames: frames(f),
      tags: [{ name: "camera", value: `f${f}` }],
    }));
  }
  return concatBytes(pieces);
}

function readAll(bytes: Uint8Array, chunkSizes: () => number): MkvEvent[] {
  const reader = new MkvReader();
  const events: MkvEvent[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = Math.max(1, chunkSizes());
    events.push(...reader.push(bytes.slice(at, at + size)));
    at += size;
  }
  events.push(...reader.end());
  return events;
}

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
}

const errorOf = (bytes: Uint8Array) => {
  try {
    readAll(bytes, () => 7);
  } catch (error) {
    assert.ok(error instanceof MkvError, `an MkvError, not ${error}`);
    assert.ok(!error.message.includes("\n"));
    return error.message;
  }
  return "no error";
};

describe("MKV reader", () => {
  test("epoch-ms timecodes at the 1 ms scale come back exact (no float rounding past 2^53)", () => {
    const timecodeMs = 1_796_168_714_122; // x 1e6 ns is past 2^53
    const pieces = mkvHeader({ tracks, segmentUid: new Uint8Array(16) });
    pieces.push(...fragmentElements({
      producerTimestampMs: timecodeMs,
      frames: [{ track: 1, timecodeMs: timecodeMs + 33, keyframe: true, data: Uint8Array.of(1) }],
      tags: [],
    }));
    const events = readAll(concatBytes(pieces), () => 1 << 20);
    const cluster = events.find((e) => e.type === "cluster") as { timecode: number };
    const block = events.find((e) => e.type === "block") as { timecodeMs: number };
    assert.equal(cluster.timecode, timecodeMs);
    assert.equal(block.timecodeMs, timecodeMs + 33);
  });

  test("a producer-c body gives header, tracks, clusters, blocks and tags in order", () => {
    const events = readAll(body(), () => 1 << 20);
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 4), ["header", "segment", "info", "tracks"]);
    const tracksEvent = events[3] as Extract<MkvEvent, { type: "tracks" }>;
    assert.deepEqual(tracksEvent.tracks, tracks);
    const clusters = events.filter((e) => e.type === "cluster");
    assert.deepEqual(clusters.map((c) => c.timecode), [startMs, startMs + 2000, startMs + 4000]);
    const blocks = events.filter((e) => e.type === "block");
    const sent = [0, 1, 2].flatMap(frames);
    assert.deepEqual(
      blocks.map((b) => ({ ...b, data: [...b.data] })),
      sent.map((f, i) => ({
        type: "block",
        ...f,
        data: [...f.data],
        end: (blocks[i] as { end: number }).end,
      })),
    );
    // Each Cluster ends where its Tags begin; the Tags follow it.
    const after = types.slice(4).filter((t) => t !== "block");
    assert.deepEqual(after, [
      "cluster",
      "clusterEnd",
      "tags",
      "cluster",
      "clusterEnd",
      "tags",
      "cluster",
      "clusterEnd",
      "tags",
    ]);
    const tags = events.filter((e) => e.type === "tags");
    assert.deepEqual(tags[1].tags, [
      { name: "camera", value: "f1" },
      { name: "AWS_KINESISVIDEO_END_OF_FRAGMENT", value: "" },
    ]);
  });

  test("fed 1 byte at a time or in random chunks, it gives the same events", () => {
    const bytes = body();
    const whole = readAll(bytes, () => bytes.length);
    assert.deepEqual(readAll(bytes, () => 1), whole);
    for (const seed of [1, 2, 3]) {
      const next = seeded(seed);
      assert.deepEqual(readAll(bytes, () => next() % 3000), whole);
    }
  });

  test("a cluster's byte span covers exactly its element", () => {
    const events = readAll(body(), () => 1000);
    const start = events.find((e) => e.type === "cluster")!;
    const end = events.find((e) => e.type === "clusterEnd")!;
    const expected = concatBytes(fragmentElements({
      producerTimestampMs: startMs,
      frames: frames(0),
      tags: [],
    }));
    const tagsLength =
      concatBytes(tagsElement([{ name: "AWS_KINESISVIDEO_END_OF_FRAGMENT", value: "" }]))
        .length;
    assert.equal(end.position - start.position, expected.length - tagsLength);
  });

  test("a new EBML header mid-body starts a new segment and ends the open cluster", () => {
    const one = concatBytes([...mkvHeader({ tracks }), ...clusterStart(startMs)]);
    const two = concatBytes([
      ...mkvHeader({ tracks }),
      ...clusterStart(startMs + 10),
      ...simpleBlock(1, 0, true, [Uint8Array.of(9)]),
    ]);
    const types = readAll(concatBytes([one, two]), () => 5).map((e) => e.type);
    assert.deepEqual(types, [
      "header",
      "segment",
      "info",
      "tracks",
      "cluster",
      "clusterEnd",
      "header",
      "segment",
      "info",
      "tracks",
      "cluster",
      "block",
      "clusterEnd",
    ]);
  });

  test("a big unknown element is skipped without being held", () => {
    const big = new Uint8Array(3 << 20);
    const bytes = concatBytes([
      ...mkvHeader({ tracks }),
      ...element(0x1c53bb6b, [big]), // Cues
      ...clusterStart(startMs),
      ...simpleBlock(1, 0, true, [Uint8Array.of(1)]),
    ]);
    const reader = new MkvReader({ maxMetadataBytes: 4096, maxBlockBytes: 4096 });
    const events: MkvEvent[] = [];
    for (let at = 0; at < bytes.length; at += 65536) {
      events.push(...reader.push(bytes.subarray(at, at + 65536)));
    }
    events.push(...reader.end());
    assert.deepEqual(events.filter((e) => e.type === "block").length, 1);
  });

  test("a file ffmpeg wrote (known sizes, SeekHead, Cues) is read, every frame", () => {
    const file = new Uint8Array(
      readFileSync(new URL("fixtures/ffmpeg-testsrc-2s.mkv", import.meta.url)),
    );
    const events = readAll(file, () => 4096);
    const read = events.find((e) => e.type === "tracks")!.tracks;
    assert.deepEqual(read.map((t) => [t.number, t.kind, t.codecId]), [
      [1, "video", "V_MPEG4/ISO/AVC"],
      [2, "audio", "A_OPUS"],
    ]);
    assert.equal(read[0].codecPrivate?.[0], 1, "avcC");
    const blocks = events.filter((e) => e.type === "block");
    const video = blocks.filter((b) => b.track === 1);
    assert.deepEqual([video.length, blocks.length - video.length], [20, 101]);
    assert.equal(video.filter((b) => b.keyframe).length, 2);
    assert.ok(events.some((e) => e.type === "tags"), "ffmpeg's Tags are read");
  });

  test("a laced block is refused with a clear error", () => {
    const laced = concatBytes([
      ...mkvHeader({ tracks }),
      ...clusterStart(startMs),
      ...element(EbmlId.simpleBlock, [Uint8Array.of(0x81, 0, 0, 0x82, 1, 5, 5, 5)]),
    ]);
    assert.match(errorOf(laced), /laced/);
  });

  test("truncated and corrupt input gives a one-line error naming the problem", () => {
    const bytes = body();
    assert.match(errorOf(bytes.subarray(0, bytes.length - 3)), /ends inside an element/);
    assert.match(errorOf(bytes.subarray(40)), /EBML/);
    const noTimecode = concatBytes([
      ...mkvHeader({ tracks }),
      ...element(EbmlId.cluster, [...simpleBlock(1, 0, true, [Uint8Array.of(1)])]),
    ]);
    assert.match(errorOf(noTimecode), /before its Cluster's Timecode/);
    const webm = concatBytes([
      ...element(EbmlId.ebml, [...element(EbmlId.docType, [new TextEncoder().encode("avi")])]),
    ]);
    assert.match(errorOf(webm), /DocType is 'avi'/);
    const overrun = concatBytes([
      ...mkvHeader({ tracks }),
      ...element(EbmlId.cluster, [...uintElement(EbmlId.timecode, 1)]),
    ]);
    overrun[overrun.length - 4] += 5; // the Cluster's size now exceeds the body
    assert.match(errorOf(overrun), /ends at byte \d+, inside element 0x1F43B675/);
    const zero = concatBytes([...mkvHeader({ tracks }), Uint8Array.of(0)]);
    assert.match(errorOf(zero), /invalid EBML element ID/);
  });

  test("a block over the bound is refused as too large before it is held", () => {
    const bytes = concatBytes([
      ...mkvHeader({ tracks }),
      ...clusterStart(startMs),
      ...simpleBlock(1, 0, true, [new Uint8Array(5000)]),
    ]);
    const reader = new MkvReader({ maxBlockBytes: 4096 });
    assert.throws(
      () => reader.push(bytes.subarray(0, bytes.length - 4000)),
      (e: unknown) =>
        e instanceof MkvError && e.tooLarge && /over the 4096-byte bound/.test(e.message),
    );
  });
});
