/**
 * PutMedia end to end: the local endpoint in-process, uploads made byte for byte as producer-c
 * makes them (tests/helpers/put-media-client.ts), the stream created and its data endpoint
 * found with the official SDK, and what was stored read back from the endpoint's store.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { putMediaTestLimits } from "../../adapters/local/put-media.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { Fragment, MkvTrack } from "../../core/fragments/fragment.ts";
import type { FragmentAck } from "../../core/fragments/put-media-ack.ts";
import {
  clusterStart,
  fragmentElements,
  mkvHeader,
  simpleBlock,
} from "../../core/mkv/mkv-writer.ts";
import {
  PutMediaConnection,
  PutMediaProducer,
  type UploadEndpoint,
  uploadFragments,
} from "../helpers/put-media-client.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import { mutateBytes } from "../../scripts/fuzz/mutate.ts";
import { Rng } from "../../scripts/fuzz/prng.ts";

let endpoint: LocalEndpoint;
let control: KinesisVideoClient;
let data: UploadEndpoint;
let streamCount = 0;

async function newStream(retention = 24): Promise<{ name: string; arn: string }> {
  const name = `put-media-${++streamCount}`;
  const { StreamARN } = await control.send(
    new CreateStreamCommand({ StreamName: name, DataRetentionInHours: retention }),
  );
  return { name, arn: StreamARN! };
}

const stored = (arn: string) => endpoint.testFragments.fragments(arn);

/** The frames as comparable values: track, time, keyframe flag and every byte. */
const framesOf = (fragments: readonly Fragment[]) =>
  fragments.flatMap((f) => f.frames).map((f) => ({
    ...f,
    data: Buffer.from(f.data).toString("hex"),
  }));

const errorIn = (acks: FragmentAck[]) => {
  const error = acks.find((a) => a.EventType === "ERROR");
  return error?.EventType === "ERROR" ? [error.ErrorId, error.ErrorCode] : undefined;
};

before(async () => {
  endpoint = await startLocalEndpoint();
  control = new KinesisVideoClient({
    endpoint: endpoint.url,
    region: endpoint.region,
    credentials: endpoint.credentials,
  });
  const { name } = await newStream();
  const { DataEndpoint } = await control.send(
    new GetDataEndpointCommand({ StreamName: name, APIName: "PUT_MEDIA" }),
  );
  data = { url: DataEndpoint!, region: endpoint.region, credentials: endpoint.credentials };
});

after(async () => {
  control.destroy();
  await endpoint.stop();
});

describe("PutMedia", () => {
  for (const audio of [false, true]) {
    test(`the sample${audio ? " with Opus" : ""} uploaded as producer-c does: BUFFERING within 5 s, every fragment PERSISTED, every frame stored as sent`, async () => {
      const { arn, name } = await newStream();
      const sample = sampleFragments({ seconds: 4, audio });
      const producer = new PutMediaProducer(data, { streamName: name }, sample.tracks);
      const connection = await producer.connect();
      assert.equal(connection.continued, true, "100 Continue answered the Expect");
      const sentAt = Date.now();
      for (const fragment of sample.fragments) producer.send(fragment);
      await producer.ack("BUFFERING", sample.fragments[0], 5000);
      assert.ok(Date.now() - sentAt < 5000);
      await connection.response();
      assert.equal(connection.status, 200);
      await producer.finish();
      const fragments = stored(arn);
      assert.deepEqual(
        fragments.map((f) => f.producerTimestampMs),
        sample.fragments.map((f) => f.producerTimestampMs),
      );
      assert.deepEqual(framesOf(fragments), framesOf(sample.fragments));
      assert.deepEqual(fragments[0].tracks, sample.tracks);
      for (const fragment of fragments) {
        const acks = connection.acks.filter((a) =>
          "FragmentNumber" in a && a.FragmentNumber === fragment.fragmentNumber
        );
        assert.deepEqual(acks.map((a) => a.EventType), ["BUFFERING", "RECEIVED", "PERSISTED"]);
      }
    });
  }

  test("a connection dropped mid-fragment, then a new one replaying: each fragment stored once", async () => {
    const { arn, name } = await newStream();
    const sample = sampleFragments({ seconds: 6 });
    const [a, b, c] = sample.fragments;
    const producer = new PutMediaProducer(data, { streamName: name }, sample.tracks);
    await producer.connect();
    producer.send(a);
    await producer.ack("PERSISTED", a);
    producer.send(b, 5000);
    await producer.connection.closed;
    // The endpoint sees the drop; until then a new PutMedia is refused (AWS's connection limit).
    let connection: PutMediaConnection | undefined;
    for (let tries = 0; tries < 50; tries++) {
      connection = await producer.connect();
      await connection.response();
      if (connection.status === 200) break;
      connection.drop();
      await new Promise((wake) => setTimeout(wake, 100));
    }
    assert.equal(connection?.status, 200);
    producer.send(c);
    await producer.finish();
    assert.deepEqual(
      stored(arn).map((f) => f.producerTimestampMs),
      [a, b, c].map((f) => f.producerTimestampMs),
    );
    assert.deepEqual(framesOf(stored(arn)), framesOf([a, b, c]));
  });

  test("uploadFragments resolves once every fragment is PERSISTED", async () => {
    const { arn, name } = await newStream();
    const sample = sampleFragments({ seconds: 3, audio: true });
    const persisted = await uploadFragments(data, name, sample.fragments, sample.tracks);
    assert.deepEqual(
      persisted.map((a) => "FragmentNumber" in a && a.FragmentNumber),
      stored(arn).map((f) => f.fragmentNumber),
    );
  });

  test("RELATIVE timecodes count from x-amzn-producer-start-timestamp as producer-c prints it", async () => {
    const { arn, name } = await newStream();
    const sample = sampleFragments({ seconds: 2, startMs: 1_700_000_000_005 });
    // Sent as "1700000000.5": 5 ms past the second.
    const target = {
      streamName: name,
      timecodeType: "RELATIVE" as const,
      producerStartMs: 1_700_000_000_005,
    };
    const producer = new PutMediaProducer(data, target, sample.tracks);
    await producer.connect();
    for (const fragment of sample.fragments) producer.send(fragment);
    await producer.finish();
    assert.deepEqual(framesOf(stored(arn)), framesOf(sample.fragments));
    assert.equal(
      producer.acks.find((a) => a.EventType === "PERSISTED" && a.FragmentTimecode === 0)?.EventType,
      "PERSISTED",
      "acks carry the Cluster Timecode as sent",
    );
  });

  test("a stream with retention 0 gets BUFFERING and RECEIVED, no PERSISTED, and keeps nothing", async () => {
    const { arn, name } = await newStream(0);
    const sample = sampleFragments({ seconds: 1 });
    const connection = await PutMediaConnection.open(data, { streamName: name });
    connection.write(concatBytes([
      ...mkvHeader({ tracks: sample.tracks }),
      ...fragmentElements(sample.fragments[0]),
    ]));
    await connection.ack((a) => a.EventType === "RECEIVED");
    connection.end();
    await connection.ended();
    connection.drop();
    assert.deepEqual(connection.acks.map((a) => a.EventType), ["BUFFERING", "RECEIVED"]);
    assert.equal(stored(arn).length, 0);
  });

  test("a client signing x-amz-content-sha256: UNSIGNED-PAYLOAD uploads too", async () => {
    const { arn, name } = await newStream();
    const sample = sampleFragments({ seconds: 1 });
    const producer = new PutMediaProducer(data, {
      streamName: name,
      headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    }, sample.tracks);
    await producer.connect();
    producer.send(sample.fragments[0]);
    await producer.finish();
    assert.equal(stored(arn).length, 1);
  });

  test("the signature is checked from the headers alone, before any body byte", async () => {
    const { name } = await newStream();
    const wrong = { ...data, credentials: { ...data.credentials, secretAccessKey: "wrong" } };
    const connection = await PutMediaConnection.open(wrong, { streamName: name });
    await connection.response(); // no body byte was sent
    assert.equal(connection.status, 403);
    assert.equal(connection.responseHeaders.get("x-amzn-errortype"), "InvalidSignatureException");
    connection.drop();
  });

  test("refusals before the 200 are AWS's JSON errors", async () => {
    const { name, arn } = await newStream();
    const cases: [Parameters<typeof PutMediaConnection.open>[1], number, string][] = [
      [{ streamName: "no-such-stream" }, 404, "ResourceNotFoundException"],
      [
        { streamName: name, headers: { "x-amzn-stream-arn": arn } },
        400,
        "InvalidArgumentException",
      ],
      [
        { streamName: name, timecodeType: "SOMETIMES" as "ABSOLUTE" },
        400,
        "InvalidArgumentException",
      ],
    ];
    for (const [target, status, errorType] of cases) {
      const connection = await PutMediaConnection.open(data, target);
      await connection.response();
      assert.deepEqual(
        [connection.status, connection.responseHeaders.get("x-amzn-errortype")],
        [status, errorType],
      );
      assert.ok("Message" in JSON.parse(connection.errorBody || "{}"), connection.errorBody);
      connection.drop();
    }
  });

  test("a second PutMedia to a stream with one open is refused, and so is a sixth call in a second", async () => {
    const { name } = await newStream();
    const sample = sampleFragments({ seconds: 1 });
    const first = new PutMediaProducer(data, { streamName: name }, sample.tracks);
    await first.connect();
    first.send(sample.fragments[0]);
    await first.ack("PERSISTED", sample.fragments[0]);
    const second = await PutMediaConnection.open(data, { streamName: name });
    await second.response();
    assert.deepEqual(
      [second.status, second.responseHeaders.get("x-amzn-errortype")],
      [400, "ConnectionLimitExceededException"],
    );
    second.drop();
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const another = await PutMediaConnection.open(data, { streamName: name });
      await another.response();
      statuses.push(another.responseHeaders.get("x-amzn-errortype") ?? "");
      another.drop();
    }
    assert.ok(statuses.includes("ClientLimitExceededException"), statuses.join());
    await first.finish();
  });

  describe("each ACK error rule, provoked end to end", () => {
    const sample = sampleFragments({ seconds: 3, audio: true });
    const [first, second] = sample.fragments;
    const video = sample.tracks.slice(0, 1);
    const blocks = (startMs: number, offsets: number[], size: number) =>
      concatBytes([
        ...clusterStart(startMs),
        ...offsets.flatMap((offset, i) => simpleBlock(1, offset, i === 0, [new Uint8Array(size)])),
      ]);
    const rules: [string, number, string, (p: PutMediaProducer) => Promise<void> | void][] = [
      ["a fragment over 50 MB", 4001, "MAX_FRAGMENT_SIZE_REACHED", (p) => {
        p.connection.write(blocks(first.producerTimestampMs, Array(51).fill(0), 1 << 20));
      }],
      ["a fragment over 10 s", 4002, "MAX_FRAGMENT_DURATION_REACHED", (p) => {
        p.connection.write(blocks(first.producerTimestampMs, [0, 5000, 10_001], 10));
      }],
      [
        "a timecode less than the previous",
        4004,
        "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS",
        async (p) => {
          p.send(second);
          await p.ack("PERSISTED", second);
          p.send(first);
        },
      ],
      ["bytes that are not MKV", 4006, "INVALID_MKV_DATA", (p) => {
        p.connection.write(new Uint8Array(64)); // 0x00 starts no EBML ID
      }],
      ["a SimpleBlock of an undeclared track", 4010, "TRACK_NUMBER_MISMATCH", (p) => {
        p.connection.write(concatBytes([
          ...clusterStart(first.producerTimestampMs),
          ...simpleBlock(5, 0, true, [Uint8Array.of(1)]),
        ]));
      }],
      ["a fragment without frames of a declared track", 4011, "FRAMES_MISSING_FOR_TRACK", (p) => {
        p.connection.write(
          concatBytes(fragmentElements({
            ...first,
            frames: first.frames.filter((f) => f.track === 1),
          })),
        );
      }],
      ["more than 3 tracks", 4012, "MORE_THAN_ALLOWED_TRACKS_FOUND", (p) => {
        const tracks: MkvTrack[] = [1, 2, 3, 4].map((n) => ({
          ...video[0],
          number: n,
          uid: BigInt(n),
        }));
        p.connection.write(concatBytes(mkvHeader({ tracks })));
      }],
    ];
    for (const [what, id, code, provoke] of rules) {
      test(`${id} ${code}: ${what}`, async () => {
        const { name } = await newStream();
        const producer = new PutMediaProducer(data, { streamName: name }, sample.tracks);
        await producer.connect();
        await provoke(producer);
        await producer.connection.ack((a) => a.EventType === "ERROR", 20_000);
        assert.deepEqual(errorIn(producer.acks), [id, code]);
        // After the ERROR the response ends: the producer must open a new PutMedia.
        await producer.connection.ended();
        producer.connection.drop();
      });
    }

    test("4507 STREAM_DELETED: the stream deleted during the upload", async () => {
      const { name, arn } = await newStream();
      const producer = new PutMediaProducer(data, { streamName: name }, sample.tracks);
      await producer.connect();
      producer.send(first);
      await producer.ack("PERSISTED", first);
      await control.send(new DeleteStreamCommand({ StreamARN: arn }));
      producer.send(second);
      await producer.connection.ack((a) => a.EventType === "ERROR");
      assert.deepEqual(errorIn(producer.acks), [4507, "STREAM_DELETED"]);
      producer.connection.drop();
    });
  });

  test("IDLE while no data comes; a client that stops sending is cut off and its stream freed", async () => {
    Object.assign(putMediaTestLimits, { idleAckPeriodMs: 300, noDataTimeoutMs: 2000 });
    try {
      const { name } = await newStream();
      const sample = sampleFragments({ seconds: 1 });
      const producer = new PutMediaProducer(data, { streamName: name }, sample.tracks);
      const stalled = await producer.connect();
      const fragment = concatBytes(fragmentElements(sample.fragments[0]));
      stalled.write(fragment.subarray(0, fragment.length >> 1)); // then nothing more
      await stalled.ack((a) => a.EventType === "IDLE", 5000);
      await stalled.ended(5000);
      assert.deepEqual(stalled.acks.map((a) => a.EventType).filter((t) => t !== "IDLE"), [
        "BUFFERING",
      ]);
      // Its stream takes a new PutMedia: the stalled one let go of it.
      await uploadFragments(data, name, sample.fragments, sample.tracks);
    } finally {
      for (const key of Object.keys(putMediaTestLimits)) {
        delete putMediaTestLimits[key as keyof typeof putMediaTestLimits];
      }
    }
  });

  test("1,000 malformed or truncated bodies, then a good upload to another stream still works", async () => {
    const sample = sampleFragments({ seconds: 2, audio: true });
    const valid = concatBytes([
      ...mkvHeader({ tracks: sample.tracks }),
      ...sample.fragments.flatMap((f) => fragmentElements(f)),
    ]);
    const streams = await Promise.all(Array.from({ length: 40 }, () => newStream()));
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const rng = new Rng(1000 + i);
      const body = mutateBytes(valid, rng);
      const connection = await PutMediaConnection.open(data, { streamName: streams[i % 40].name });
      connection.write(body, () => 1 + rng.below(65536));
      connection.end();
      await connection.ended(10_000);
      const error = errorIn(connection.acks);
      const outcome = connection.status !== 200
        ? `HTTP ${connection.status}`
        : error
        ? `ERROR ${error[0]}`
        : "accepted";
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      connection.drop();
    }
    assert.ok((outcomes.get("ERROR 4006") ?? 0) > 100, JSON.stringify([...outcomes]));
    const { arn, name } = await newStream();
    await uploadFragments(data, name, sample.fragments, sample.tracks);
    assert.deepEqual(framesOf(stored(arn)), framesOf(sample.fragments));
  });
});

describe("an endpoint that stops under an open PutMedia", () => {
  test("ends the upload and stops at once, though the producer keeps its body open", async () => {
    const own = await startLocalEndpoint();
    const kvs = new KinesisVideoClient({
      endpoint: own.url,
      region: own.region,
      credentials: own.credentials,
    });
    await kvs.send(new CreateStreamCommand({ StreamName: "open", DataRetentionInHours: 1 }));
    const sample = sampleFragments({ seconds: 2 });
    const producer = new PutMediaProducer(
      { url: own.url, region: own.region, credentials: own.credentials },
      { streamName: "open" },
      sample.tracks,
    );
    await producer.connect();
    producer.send(sample.fragments[0]);
    await producer.ack("PERSISTED", sample.fragments[0]);
    const stopStarted = Date.now();
    await own.stop();
    const stopMs = Date.now() - stopStarted;
    producer.connection.drop();
    kvs.destroy();
    // The upload would otherwise run until 30 s without data.
    assert.ok(stopMs < 5000, `stop took ${stopMs} ms`);
  });
});
