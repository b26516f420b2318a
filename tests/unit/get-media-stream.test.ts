import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { StoredFragment } from "../../core/fragments/fragment.ts";
import {
  fragmentListChunk,
  fragmentListErrorChunk,
  getMediaChunk,
  getMediaErrorChunk,
  getMediaErrors,
  secondsWithMillis,
} from "../../core/fragments/get-media-stream.ts";
import { getMediaChunks } from "../helpers/get-media-chunks.ts";

const fragment: StoredFragment = {
  fragmentNumber: "91343852333181432392682062607743920146159169392",
  serverTimestampMs: 1_511_852_109_126,
  producerTimestampMs: 1_511_852_108_513,
  durationMs: 66,
  tracks: [{ number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" }],
  frames: [
    { track: 1, timecodeMs: 1_511_852_108_513, keyframe: true, data: Uint8Array.of(0, 0, 0, 1, 5) },
    {
      track: 1,
      timecodeMs: 1_511_852_108_546,
      keyframe: false,
      data: Uint8Array.of(0, 0, 0, 1, 1),
    },
  ],
  tags: [{ name: "camera", value: "porch" }],
  sizeBytes: 10,
};
const segmentUid = new Uint8Array(16);

describe("GetMedia chunks", () => {
  test("timestamps are seconds with three decimals, as AWS writes them", () => {
    assert.equal(secondsWithMillis(1_511_852_109_126), "1511852109.126");
    assert.equal(secondsWithMillis(1_511_852_109_005), "1511852109.005");
    assert.equal(secondsWithMillis(5_000), "5.000");
  });

  test("a fragment is its own document: header, AWS tags, unknown-size Cluster, producer tags, continuation tags", () => {
    const body = concatBytes(
      getMediaChunk(fragment, { nowMs: fragment.serverTimestampMs + 15_858, segmentUid }),
    );
    const [chunk, ...rest] = getMediaChunks(body);
    assert.equal(rest.length, 0);
    assert.deepEqual(chunk.layout, [
      "EBML",
      "Segment",
      "Info",
      "Tracks",
      "Tags",
      "Cluster",
      "SimpleBlock",
      "Tags",
      "Tags",
    ]);
    assert.equal(chunk.clusterSizeUnknown, true);
    assert.equal(chunk.clusterTimecode, fragment.producerTimestampMs);
    assert.deepEqual(chunk.tags, [
      [
        { name: "AWS_KINESISVIDEO_FRAGMENT_NUMBER", value: fragment.fragmentNumber },
        { name: "AWS_KINESISVIDEO_SERVER_TIMESTAMP", value: "1511852109.126" },
        { name: "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", value: "1511852108.513" },
      ],
      [{ name: "camera", value: "porch" }],
      [
        { name: "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", value: "15858" },
        { name: "AWS_KINESISVIDEO_CONTINUATION_TOKEN", value: fragment.fragmentNumber },
      ],
    ]);
  });

  test("times finer than a ms (a producer's own timecode scale) are rounded to GetMedia's 1 ms", () => {
    const fine = {
      ...fragment,
      producerTimestampMs: fragment.producerTimestampMs + 0.4,
      frames: fragment.frames.map((f, i) => ({ ...f, timecodeMs: f.timecodeMs + 0.4 + i * 0.3 })),
    };
    const [chunk] = getMediaChunks(concatBytes(getMediaChunk(fine, { nowMs: 0, segmentUid })));
    assert.equal(chunk.clusterTimecode, fragment.producerTimestampMs);
  });

  test("consecutive chunks split at each EBML header", () => {
    const second = {
      ...fragment,
      fragmentNumber: "91343852333181432397633822764885441725874549018",
    };
    const body = concatBytes([
      ...getMediaChunk(fragment, { nowMs: 0, segmentUid }),
      ...getMediaChunk(second, { nowMs: 0, segmentUid }),
    ]);
    const chunks = getMediaChunks(body);
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0].end, chunks[1].start);
    assert.equal(chunks[1].tags[0][0].value, second.fragmentNumber);
    assert.equal(chunks[1].tags.at(-1)?.at(-1)?.value, second.fragmentNumber);
  });

  test("GetMediaForFragmentList chunks carry the archived-media tag names and no continuation token", () => {
    const [chunk] = getMediaChunks(concatBytes(fragmentListChunk(fragment, segmentUid)));
    assert.deepEqual(chunk.tags[0], [
      { name: "AWS_KINESISVIDEO_FRAGMENT_NUMBER", value: fragment.fragmentNumber },
      { name: "AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP", value: "1511852109.126" },
      { name: "AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP", value: "1511852108.513" },
    ]);
    assert.equal(chunk.tags.length, 2, "the AWS tags and the producer's");
  });

  test("an error chunk names the fragment, the error id and code, and has no server timestamp", () => {
    const [chunk] = getMediaChunks(
      concatBytes(getMediaErrorChunk("123", getMediaErrors.fragmentNotFound)),
    );
    assert.deepEqual(chunk.layout, ["EBML", "Segment", "Tags"]);
    assert.deepEqual(chunk.tags, [[
      { name: "AWS_KINESISVIDEO_FRAGMENT_NUMBER", value: "123" },
      { name: "AWS_KINESISVIDEO_ERROR_ID", value: "4000" },
      { name: "AWS_KINESISVIDEO_ERROR_CODE", value: "FRAGMENT_NOT_FOUND" },
    ]]);
    const [listed] = getMediaChunks(
      concatBytes(fragmentListErrorChunk("7", getMediaErrors.fragmentNotFound, "not found")),
    );
    assert.deepEqual(listed.tags[0].map((t) => t.name), [
      "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
      "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE",
      "AWS_KINESISVIDEO_EXCEPTION_MESSAGE",
    ]);
  });
});
