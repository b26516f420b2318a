/**
 * The MKV writer's output, shaped as a PutMedia body (a Segment and Clusters of unknown size,
 * Tags after each Cluster), read by a real player: ffprobe finds every frame of the sample.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import {
  clusterStart,
  endOfFragmentTag,
  mkvHeader,
  simpleBlock,
  tagsElement,
} from "../../core/mkv/mkv-writer.ts";
import { ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";

describe("MKV writer", { skip: ffmpegMissing() }, () => {
  test("a PutMedia-shaped body of the sample is read by ffprobe, every frame of it", () => {
    const { tracks, fragments, frames } = sampleFragments({ seconds: 6, audio: true });
    const pieces = mkvHeader({ tracks });
    for (const fragment of fragments) {
      pieces.push(...clusterStart(fragment.producerTimestampMs));
      for (const frame of fragment.frames) {
        const offset = frame.timecodeMs - fragment.producerTimestampMs;
        pieces.push(...simpleBlock(frame.track, offset, frame.keyframe, [frame.data]));
      }
      pieces.push(...tagsElement([{ name: endOfFragmentTag, value: "" }]));
    }
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-mkv-"));
    try {
      const path = join(dir, "body.mkv");
      writeFileSync(path, concatBytes(pieces));
      const [video, audio] = probeStreams(path);
      const videoFrames = frames.filter((f) => f.track === 1).length;
      assert.ok(fragments.length > 1, "the sample spans several GOPs");
      assert.deepEqual(
        {
          codec: video.codec_name,
          width: video.width,
          height: video.height,
          packets: Number(video.nb_read_packets),
        },
        {
          codec: "h264",
          width: tracks[0].video!.width,
          height: tracks[0].video!.height,
          packets: videoFrames,
        },
      );
      assert.equal(audio.codec_name, "opus");
      assert.equal(Number(audio.nb_read_packets), frames.length - videoFrames);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
