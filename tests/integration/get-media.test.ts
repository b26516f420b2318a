/**
 * GetMedia and GetMediaForFragmentList against the local endpoint, through the official SDK v3
 * clients unchanged (endpoint = GetDataEndpoint's answer): the sample, with and without Opus,
 * read back with every start selector and with a fragment list, demuxed with mediabunny (which
 * reads the concatenated per-fragment documents as one recording) and compared frame by frame;
 * ffprobe reads the output whole; AWS's errors come back typed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from "mediabunny";
import {
  CreateStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import {
  ClientLimitExceededException,
  ConnectionLimitExceededException,
  GetMediaCommand,
  type GetMediaCommandInput,
  InvalidArgumentException,
  KinesisVideoMediaClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis-video-media";
import {
  GetMediaForFragmentListCommand,
  InvalidArgumentException as ArchivedInvalidArgument,
  KinesisVideoArchivedMediaClient,
  ResourceNotFoundException as ArchivedResourceNotFound,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { Fragment, FragmentFrame, StoredFragment } from "../../core/fragments/fragment.ts";
import type { FragmentAck } from "../../core/fragments/put-media-ack.ts";
import { ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";
import { chunkTag, type GetMediaChunkInfo, getMediaChunks } from "../helpers/get-media-chunks.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import { PutMediaProducer, uploadFragments } from "../helpers/put-media-client.ts";
import { getMediaIdleEndMs } from "../../core/fragments/media-bodies.ts";
import { rejection } from "../helpers/sdk-errors.ts";

const tag = {
  fragmentNumber: "AWS_KINESISVIDEO_FRAGMENT_NUMBER",
  serverTimestamp: "AWS_KINESISVIDEO_SERVER_TIMESTAMP",
  producerTimestamp: "AWS_KINESISVIDEO_PRODUCER_TIMESTAMP",
  continuationToken: "AWS_KINESISVIDEO_CONTINUATION_TOKEN",
  errorId: "AWS_KINESISVIDEO_ERROR_ID",
};

const numberOf = (ack: FragmentAck) => ("FragmentNumber" in ack && ack.FragmentNumber) || "";

/**
 * Uploads `fragments` to the stream with PutMedia, as producer-c does, and returns them as the
 * endpoint stored them (numbered, with their server times).
 */
async function seed(
  endpoint: LocalEndpoint,
  streamArn: string,
  fragments: readonly Fragment[],
): Promise<StoredFragment[]> {
  if (fragments.length === 0) return [];
  const name = streamArn.split("/")[1];
  const acks = await uploadFragments(endpoint, name, fragments, fragments[0].tracks);
  return acks.map((ack) => endpoint.testFragments.get(streamArn, numberOf(ack))!);
}

type Payload = AsyncIterable<Uint8Array> & { destroy?: () => void };

/**
 * Reads a streamed body until `enough` holds for its whole chunks (then lets it go: the
 * endpoint sees the reader leave) or until it ends. Returns the bytes of the whole chunks.
 */
async function readBody(
  payload: unknown,
  enough: (chunks: GetMediaChunkInfo[]) => boolean = () => false,
): Promise<{ bytes: Uint8Array; chunks: GetMediaChunkInfo[] }> {
  let bytes: Uint8Array = new Uint8Array(0);
  let chunks: GetMediaChunkInfo[] = [];
  for await (const part of payload as Payload) {
    bytes = concatBytes([bytes, part]);
    chunks = getMediaChunks(bytes).filter(closed);
    if (enough(chunks)) break;
  }
  (payload as Payload).destroy?.();
  return { bytes: bytes.subarray(0, chunks.at(-1)?.end ?? 0), chunks };
}

/** A GetMedia chunk is whole once its continuation token has come; a list chunk has none. */
const closed = (chunk: GetMediaChunkInfo) =>
  chunkTag(chunk, tag.continuationToken) !== undefined ||
  chunkTag(chunk, tag.serverTimestamp) === undefined;

const count = (n: number) => (chunks: GetMediaChunkInfo[]) => chunks.length >= n;

interface DemuxedFrame {
  track: "video" | "audio";
  timecodeMs: number;
  keyframe: boolean;
  data: Uint8Array;
}

/** Every packet of the body, per track, as mediabunny reads the Matroska documents. */
async function demux(bytes: Uint8Array): Promise<DemuxedFrame[]> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const frames: DemuxedFrame[] = [];
  for (const track of await input.getTracks()) {
    const kind = track.type === "video" ? "video" : "audio";
    for await (const packet of new EncodedPacketSink(track).packets()) {
      frames.push({
        track: kind,
        timecodeMs: Math.round(packet.timestamp * 1000),
        keyframe: packet.type === "key",
        data: packet.data,
      });
    }
  }
  return frames;
}

/** What the fragments sent hold, in the same shape, per track in order. */
function sent(fragments: readonly Fragment[]): DemuxedFrame[] {
  const frames: FragmentFrame[] = fragments.flatMap((f) => f.frames);
  return ["video", "audio"].flatMap((kind) =>
    frames.filter((f) => (f.track === 1 ? "video" : "audio") === kind).map((f) => ({
      track: kind as "video" | "audio",
      timecodeMs: f.timecodeMs,
      keyframe: f.track === 1 ? f.keyframe : true,
      data: f.data,
    }))
  );
}

/** Every frame identical (AVCC: the same NAL units, byte for byte), in order, at its time. */
async function assertFramesAsSent(bytes: Uint8Array, fragments: readonly Fragment[]) {
  const got = await demux(bytes);
  const expected = sent(fragments);
  assert.equal(got.length, expected.length, "frame count");
  got.forEach((frame, i) => {
    const want = expected[i];
    assert.deepEqual(
      { track: frame.track, timecodeMs: frame.timecodeMs, keyframe: frame.keyframe },
      { track: want.track, timecodeMs: want.timecodeMs, keyframe: want.keyframe },
      `frame ${i}`,
    );
    assert.ok(Buffer.from(frame.data).equals(Buffer.from(want.data)), `frame ${i} bytes`);
  });
}

const numbersOf = (chunks: GetMediaChunkInfo[]) =>
  chunks.map((c) => chunkTag(c, tag.fragmentNumber));

describe("GetMedia and GetMediaForFragmentList, with the AWS SDK v3 clients", () => {
  let endpoint: LocalEndpoint;
  let kvs: KinesisVideoClient;
  let media: KinesisVideoMediaClient;
  let archived: KinesisVideoArchivedMediaClient;
  let streamCount = 0;

  /** A new stream with the sample seeded (Opus too when `audio`). */
  async function seededStream(options: { audio?: boolean; seconds?: number } = {}) {
    const name = `get-media-${++streamCount}`;
    const { StreamARN } = await kvs.send(
      new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 24 }),
    );
    const upload = sampleFragments({ seconds: options.seconds ?? 4, audio: options.audio });
    // The first fragment a moment before the rest, so its server time is its own.
    const [first, ...rest] = upload.fragments;
    const stored = await seed(endpoint, StreamARN!, [first]);
    await new Promise((r) => setTimeout(r, 20));
    stored.push(...await seed(endpoint, StreamARN!, rest));
    return { name, arn: StreamARN!, stored, upload };
  }

  const getMedia = (input: GetMediaCommandInput) => media.send(new GetMediaCommand(input));

  before(async () => {
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
    const config = { region: endpoint.region, credentials: endpoint.credentials };
    kvs = new KinesisVideoClient({ ...config, endpoint: endpoint.url });
    const { StreamARN } = await kvs.send(new CreateStreamCommand({ StreamName: "endpoints" }));
    const dataEndpoint = async (APIName: "GET_MEDIA" | "GET_MEDIA_FOR_FRAGMENT_LIST") =>
      (await kvs.send(new GetDataEndpointCommand({ StreamARN, APIName }))).DataEndpoint!;
    media = new KinesisVideoMediaClient({ ...config, endpoint: await dataEndpoint("GET_MEDIA") });
    archived = new KinesisVideoArchivedMediaClient({
      ...config,
      endpoint: await dataEndpoint("GET_MEDIA_FOR_FRAGMENT_LIST"),
    });
  });
  after(() => endpoint?.stop());

  for (const audio of [false, true]) {
    test(`EARLIEST returns every fragment${audio ? " with Opus" : ""}: each frame as sent, with AWS's tags`, async () => {
      const { name, stored, upload } = await seededStream({ audio });
      const response = await getMedia({
        StreamName: name,
        StartSelector: { StartSelectorType: "EARLIEST" },
      });
      assert.equal(response.ContentType, "video/webm");
      const { bytes, chunks } = await readBody(response.Payload, count(stored.length));
      assert.deepEqual(numbersOf(chunks), stored.map((f) => f.fragmentNumber));
      chunks.forEach((chunk, i) => {
        assert.equal(
          chunkTag(chunk, tag.producerTimestamp),
          (stored[i].producerTimestampMs / 1000).toFixed(3),
        );
        assert.equal(
          Number(chunkTag(chunk, tag.serverTimestamp)),
          Math.trunc(stored[i].serverTimestampMs) / 1000,
        );
        assert.equal(chunkTag(chunk, tag.continuationToken), stored[i].fragmentNumber);
      });
      await assertFramesAsSent(bytes, upload.fragments);
    });
  }

  test("ffprobe reads the whole GetMedia output and counts every frame sent", {
    skip: ffmpegMissing(),
  }, async () => {
    const { arn, stored, upload } = await seededStream({ audio: true });
    const response = await getMedia({
      StreamARN: arn,
      StartSelector: { StartSelectorType: "EARLIEST" },
    });
    const { bytes } = await readBody(response.Payload, count(stored.length));
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-get-media-"));
    try {
      const path = join(dir, "get-media.mkv");
      writeFileSync(path, bytes);
      // ffmpeg warns once per extra Segment (each chunk is its own document), as it does on
      // AWS's own GetMedia output, and reads on through every cluster.
      const streams = probeStreams(path);
      const video = upload.frames.filter((f) => f.track === 1).length;
      assert.deepEqual(
        streams.map((s) => [s.codec_name, Number(s.nb_read_packets)]),
        [["h264", video], ["opus", upload.frames.length - video]],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("FRAGMENT_NUMBER starts with the fragment after AfterFragmentNumber", async () => {
    const { name, stored, upload } = await seededStream({ audio: true });
    const response = await getMedia({
      StreamName: name,
      StartSelector: {
        StartSelectorType: "FRAGMENT_NUMBER",
        AfterFragmentNumber: stored[0].fragmentNumber,
      },
    });
    const { bytes, chunks } = await readBody(response.Payload, count(stored.length - 1));
    assert.deepEqual(numbersOf(chunks), stored.slice(1).map((f) => f.fragmentNumber));
    await assertFramesAsSent(bytes, upload.fragments.slice(1));
  });

  for (const type of ["SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP"] as const) {
    test(`${type} starts with the fragment containing the time`, async () => {
      const { name, stored, upload } = await seededStream();
      const second = stored[1];
      // The second fragment's own time (a server time in a burst picks out the burst's first).
      const at = type === "SERVER_TIMESTAMP"
        ? second.serverTimestampMs
        : second.producerTimestampMs + second.durationMs / 2;
      const response = await getMedia({
        StreamName: name,
        StartSelector: { StartSelectorType: type, StartTimestamp: new Date(at) },
      });
      const { bytes, chunks } = await readBody(response.Payload, count(stored.length - 1));
      assert.deepEqual(numbersOf(chunks), stored.slice(1).map((f) => f.fragmentNumber));
      await assertFramesAsSent(bytes, upload.fragments.slice(1));
    });
  }

  test("NOW sends only fragments that arrive after the call, as they arrive", async () => {
    const { name, arn, stored } = await seededStream({ seconds: 2 });
    const later = sampleFragments({
      startMs: stored.at(-1)!.producerTimestampMs + 60_000,
      seconds: 6,
      audio: true,
    });
    // Not awaited before the live fragments come: Bun's server sends the status line only
    // with the first bytes of the body (Deno sends it at once, as AWS does).
    const responding = getMedia({ StreamName: name, StartSelector: { StartSelectorType: "NOW" } });
    // One fragment every 200 ms until the reader has two: the call may reach the endpoint
    // after the first of them, so what it gets is checked as a run of them, in order.
    const live: StoredFragment[] = [];
    let reading = true;
    const producer = new PutMediaProducer(endpoint, { streamName: name }, later.tracks);
    await producer.connect();
    const uploading = (async () => {
      for (const fragment of later.fragments) {
        if (!reading) break;
        await new Promise((r) => setTimeout(r, 200));
        producer.send(fragment);
        const persisted = await producer.ack("PERSISTED", fragment);
        live.push(endpoint.testFragments.get(arn, numberOf(persisted))!);
      }
      await producer.finish();
    })();
    const { bytes, chunks } = await readBody((await responding).Payload, count(2));
    reading = false;
    await uploading;
    const numbers = numbersOf(chunks);
    const first = live.findIndex((f) => f.fragmentNumber === numbers[0]);
    assert.ok(first >= 0, "the first chunk is a fragment that arrived after the call");
    assert.deepEqual(numbers, live.slice(first, first + 2).map((f) => f.fragmentNumber));
    await assertFramesAsSent(bytes, later.fragments.slice(first, first + 2));
  });

  test("NOW reads the live edge of a stream that keeps no data (retention 0)", async () => {
    const name = `get-media-${++streamCount}`;
    await kvs.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 0 }));
    const live = sampleFragments({ startMs: Date.now(), seconds: 6 });
    const responding = getMedia({ StreamName: name, StartSelector: { StartSelectorType: "NOW" } });
    const producer = new PutMediaProducer(endpoint, { streamName: name }, live.tracks);
    await producer.connect();
    let reading = true;
    const received: string[] = [];
    const uploading = (async () => {
      for (const fragment of live.fragments) {
        if (!reading) break;
        await new Promise((r) => setTimeout(r, 200));
        producer.send(fragment);
        received.push(numberOf(await producer.ack("RECEIVED", fragment)));
      }
      producer.connection.end();
      await producer.connection.ended();
      producer.connection.drop();
    })();
    const { chunks } = await readBody((await responding).Payload, count(1));
    reading = false;
    await uploading;
    assert.ok(received.includes(numbersOf(chunks)[0]!), "a fragment uploaded after the call");
    assert.equal(endpoint.testFragments.fragments(`${name}`).length, 0, "nothing kept");
  });

  test("CONTINUATION_TOKEN resumes with the fragment after the last one read", async () => {
    const { name, stored, upload } = await seededStream();
    const first = await getMedia({
      StreamName: name,
      StartSelector: { StartSelectorType: "EARLIEST" },
    });
    const { chunks } = await readBody(first.Payload, count(2));
    const token = chunkTag(chunks[1], tag.continuationToken)!;
    const resumed = await getMedia({
      StreamName: name,
      StartSelector: { StartSelectorType: "CONTINUATION_TOKEN", ContinuationToken: token },
    });
    const rest = await readBody(resumed.Payload, count(stored.length - 2));
    assert.deepEqual(numbersOf(rest.chunks), stored.slice(2).map((f) => f.fragmentNumber));
    await assertFramesAsSent(rest.bytes, upload.fragments.slice(2));
  });

  test("GetMediaForFragmentList returns the listed fragments, in the order listed, and ends", async () => {
    const { arn, stored, upload } = await seededStream({ audio: true });
    const response = await archived.send(
      new GetMediaForFragmentListCommand({
        StreamARN: arn,
        Fragments: [stored[2].fragmentNumber, stored[0].fragmentNumber],
      }),
    );
    assert.equal(response.ContentType, "video/webm");
    const { bytes, chunks } = await readBody(response.Payload);
    assert.deepEqual(numbersOf(chunks), [stored[2].fragmentNumber, stored[0].fragmentNumber]);
    assert.equal(
      chunkTag(chunks[0], "AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP"),
      (stored[2].producerTimestampMs / 1000).toFixed(3),
    );
    for (const [i, index] of [2, 0].entries()) {
      const chunk = bytes.subarray(chunks[i].start, chunks[i].end);
      await assertFramesAsSent(chunk, [upload.fragments[index]]);
    }
  });

  test("a fragment number the stream does not hold: 200, then AWS's error chunk 4000", async () => {
    const { name } = await seededStream({ seconds: 1 });
    const missing = "91343852333000000000000000000000000000000000001";
    const response = await getMedia({
      StreamName: name,
      StartSelector: { StartSelectorType: "FRAGMENT_NUMBER", AfterFragmentNumber: missing },
    });
    const { chunks } = await readBody(response.Payload);
    assert.equal(chunks.length, 1);
    assert.equal(chunkTag(chunks[0], tag.fragmentNumber), missing);
    assert.equal(chunkTag(chunks[0], tag.errorId), "4000");
  });

  test("an unknown stream is ResourceNotFoundException (404) from both services", async () => {
    const error = await rejection(
      getMedia({ StreamName: "no-such-stream", StartSelector: { StartSelectorType: "NOW" } }),
    );
    assert.ok(error instanceof ResourceNotFoundException, error.name);
    assert.equal(error.$metadata?.httpStatusCode, 404);
    const listed = await rejection(
      archived.send(
        new GetMediaForFragmentListCommand({ StreamName: "no-such-stream", Fragments: ["1"] }),
      ),
    );
    assert.ok(listed instanceof ArchivedResourceNotFound, listed.name);
  });

  test("bad selectors and lists are InvalidArgumentException (400)", async () => {
    const { name } = await seededStream({ seconds: 1 });
    const noNumber = await rejection(
      getMedia({ StreamName: name, StartSelector: { StartSelectorType: "FRAGMENT_NUMBER" } }),
    );
    assert.ok(noNumber instanceof InvalidArgumentException, noNumber.name);
    assert.match(noNumber.message, /AfterFragmentNumber/);
    const noTime = await rejection(
      getMedia({ StreamName: name, StartSelector: { StartSelectorType: "SERVER_TIMESTAMP" } }),
    );
    assert.ok(noTime instanceof InvalidArgumentException, noTime.name);
    const tooMany = await rejection(
      archived.send(
        new GetMediaForFragmentListCommand({
          StreamName: name,
          Fragments: Array.from({ length: 1001 }, (_, i) => String(i + 1)),
        }),
      ),
    );
    assert.ok(tooMany instanceof ArchivedInvalidArgument, tooMany.name);
    assert.match(tooMany.message, /less than or equal to 1000/);
  });

  test("a sixth GetMedia call in a second is ClientLimitExceededException", async () => {
    const { name } = await seededStream({ seconds: 1 });
    // Calls whose body ends at once (a start that names no fragment), so none stays open.
    const call = () =>
      getMedia({
        StreamName: name,
        StartSelector: { StartSelectorType: "CONTINUATION_TOKEN", ContinuationToken: "1" },
      }).then((r) => readBody(r.Payload));
    for (let i = 0; i < 5; i++) await call();
    const error = await rejection(call());
    assert.ok(error instanceof ClientLimitExceededException, error.name);
  });

  test("a fourth open GetMedia is ConnectionLimitExceededException; readers leaving free their places", async () => {
    const { name } = await seededStream({ seconds: 1 });
    // EARLIEST: a fragment to send at once (Bun answers with the body's first bytes), then the
    // connection stays open, following the live edge.
    const open = () =>
      getMedia({ StreamName: name, StartSelector: { StartSelectorType: "EARLIEST" } });
    const leave = (payload: unknown) => (payload as Payload).destroy?.();
    const first = await Promise.all([open(), open(), open()]);
    const error = await rejection(open());
    assert.ok(error instanceof ConnectionLimitExceededException, error.name);
    for (const response of first) leave(response.Payload);
    await new Promise((r) => setTimeout(r, 1100)); // past the 5 calls a second
    const again = await Promise.all([open(), open(), open()]);
    for (const response of again) leave(response.Payload);
  });
});

describe("an endpoint that stops under an open GetMedia", () => {
  test("ends the live body and stops at once, not when the body would idle out", async () => {
    const endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
    const config = { region: endpoint.region, credentials: endpoint.credentials };
    const kvs = new KinesisVideoClient({ ...config, endpoint: endpoint.url });
    await kvs.send(new CreateStreamCommand({ StreamName: "live", DataRetentionInHours: 1 }));
    const { DataEndpoint } = await kvs.send(
      new GetDataEndpointCommand({ StreamName: "live", APIName: "GET_MEDIA" }),
    );
    const media = new KinesisVideoMediaClient({ ...config, endpoint: DataEndpoint });
    const responding = media.send(
      new GetMediaCommand({ StreamName: "live", StartSelector: { StartSelectorType: "NOW" } }),
    ).then(async (out) => {
      // The body ends, or is cut when the server closes (Deno's stop closes connections).
      try {
        for await (const _ of out.Payload as AsyncIterable<Uint8Array>) { /* none comes */ }
      } catch { /* cut */ }
    }, () => {});
    await new Promise((r) => setTimeout(r, 300));
    const stopStarted = Date.now();
    await endpoint.stop();
    const stopMs = Date.now() - stopStarted;
    await responding;
    assert.ok(stopMs < getMediaIdleEndMs / 2, `stop took ${stopMs} ms`);
  });
});
