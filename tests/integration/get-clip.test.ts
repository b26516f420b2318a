/**
 * GetClip through the official archived-media client: the MP4 of a time range passes ffprobe
 * with the frames of the fragments in that range, with and without Opus; AWS's typed errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetClipCommand,
  InvalidArgumentException,
  NoDataRetentionException,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { ffmpegMissing } from "../helpers/ffmpeg.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import {
  createTestStream,
  decodedFrames,
  type TestStream,
  uploadFragments,
} from "../helpers/archived-media.ts";

describe("GetClip", { skip: ffmpegMissing() }, () => {
  const startMs = 1_700_000_000_000;
  const upload = sampleFragments({ startMs, seconds: 6, audio: true });
  let endpoint: LocalEndpoint;
  let stream: TestStream;
  let dir: string;

  const range = (fromMs: number, toMs: number) => ({
    FragmentSelectorType: "PRODUCER_TIMESTAMP" as const,
    TimestampRange: { StartTimestamp: new Date(fromMs), EndTimestamp: new Date(toMs) },
  });

  async function clipFrames(fromMs: number, toMs: number) {
    const { ContentType, Payload } = await stream.archivedMedia.send(
      new GetClipCommand({ StreamName: stream.name, ClipFragmentSelector: range(fromMs, toMs) }),
    );
    assert.equal(ContentType, "video/mp4");
    const path = join(dir, `clip-${fromMs}-${toMs}.mp4`);
    writeFileSync(path, await Payload!.transformToByteArray());
    return decodedFrames(path);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kvsrtc-clip-"));
    endpoint = await startLocalEndpoint();
    stream = await createTestStream(endpoint, "clip-stream", "GET_CLIP");
    await uploadFragments(endpoint, stream, upload.fragments);
  });
  after(async () => {
    await endpoint.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the clip of the whole stream has every frame uploaded, video and Opus", async () => {
    const count = (track: number) => upload.frames.filter((f) => f.track === track).length;
    assert.deepEqual(await clipFrames(startMs, startMs + 60_000), {
      h264: count(1),
      opus: count(2),
    });
  });

  test("a range holds the fragments that start in it, whole", async () => {
    const [, second, third] = upload.fragments;
    const frames = [second, third].flatMap((f) => f.frames).filter((f) => f.track === 1).length;
    const inRange = await clipFrames(second.producerTimestampMs, third.producerTimestampMs + 10);
    assert.equal(inRange.h264, frames);
  });

  test("errors come back as the SDK's typed errors", async () => {
    const fails = (input: ConstructorParameters<typeof GetClipCommand>[0], target = stream) =>
      target.archivedMedia.send(new GetClipCommand(input)).then(() => undefined, (e) => e);
    assert.ok(
      await fails({ StreamName: stream.name, ClipFragmentSelector: range(1000, 2000) }) instanceof
        ResourceNotFoundException,
    );
    assert.ok(
      await fails({
        StreamName: stream.name,
        ClipFragmentSelector: range(startMs + 2000, startMs),
      }) instanceof InvalidArgumentException,
    );
    const none = await createTestStream(endpoint, "clip-none", "GET_CLIP", 0);
    assert.ok(
      await fails(
        { StreamName: none.name, ClipFragmentSelector: range(startMs, startMs + 1) },
        none,
      ) instanceof
        NoDataRetentionException,
    );
  });
});
