/**
 * Archived media (ListFragments) and the fragment store behind it, driven by the official
 * AWS SDK v3 clients against an endpoint started in-process; fragments are seeded through the
 * test hook until PutMedia ingests.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type APIName,
  CreateStreamCommand,
  DeleteStreamCommand,
  GetDataEndpointCommand,
  InvalidArgumentException as ControlInvalidArgument,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import {
  InvalidArgumentException,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import type { Fragment } from "../../core/fragments/fragment.ts";

/** Every APIName issue 15 asks the endpoint to answer. */
const apiNames = ("PUT_MEDIA GET_MEDIA LIST_FRAGMENTS GET_MEDIA_FOR_FRAGMENT_LIST " +
  "GET_HLS_STREAMING_SESSION_URL GET_CLIP GET_DASH_STREAMING_SESSION_URL").split(" ") as APIName[];

const fragment = (producerTimestampMs: number): Fragment => ({
  producerTimestampMs,
  durationMs: 2000,
  tracks: [{ number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" }],
  frames: [{ track: 1, timecodeMs: producerTimestampMs, keyframe: true, data: new Uint8Array(99) }],
  tags: [],
  sizeBytes: 150,
});

function clients(endpoint: LocalEndpoint) {
  const config = {
    endpoint: endpoint.url,
    region: endpoint.region,
    credentials: endpoint.credentials,
  };
  return {
    kvs: new KinesisVideoClient(config),
    archived: new KinesisVideoArchivedMediaClient(config),
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof Error, "expected the call to fail");
  return error;
}

describe("archived media through the AWS SDK v3 clients", () => {
  let endpoint: LocalEndpoint;
  before(async () => {
    endpoint = await startLocalEndpoint({ port: 0 });
  });
  after(() => endpoint?.stop());

  test("GetDataEndpoint answers every APIName with this endpoint and refuses others", async () => {
    const { kvs } = clients(endpoint);
    const { StreamARN } = await kvs.send(
      new CreateStreamCommand({ StreamName: "am-endpoints", DataRetentionInHours: 1 }),
    );
    for (const APIName of apiNames) {
      const { DataEndpoint } = await kvs.send(new GetDataEndpointCommand({ StreamARN, APIName }));
      assert.equal(DataEndpoint, endpoint.url, APIName);
    }
    const unknown = await rejection(
      kvs.send(new GetDataEndpointCommand({ StreamARN, APIName: "GET_NOTHING" as APIName })),
    );
    assert.ok(unknown instanceof ControlInvalidArgument, String(unknown));
    assert.match(unknown.message, /APIName|aPIName/);
  });

  test("ListFragments: both selectors, pages through NextToken, Date timestamps", async () => {
    const { kvs } = clients(endpoint);
    const { StreamARN } = await kvs.send(
      new CreateStreamCommand({ StreamName: "am-list", DataRetentionInHours: 2 }),
    );
    const { DataEndpoint } = await kvs.send(
      new GetDataEndpointCommand({ StreamName: "am-list", APIName: "LIST_FRAGMENTS" }),
    );
    const archived = new KinesisVideoArchivedMediaClient({
      endpoint: DataEndpoint,
      region: endpoint.region,
      credentials: endpoint.credentials,
    });
    const base = Date.now();
    const stored = [];
    for (let i = 0; i < 5; i++) {
      stored.push(
        await endpoint.testFragments.append(
          StreamARN!,
          fragment(1_600_000_000_000 + i * 2000),
          base + i * 10,
        ),
      );
    }
    const all = await archived.send(new ListFragmentsCommand({ StreamName: "am-list" }));
    assert.deepEqual(
      all.Fragments?.map((f) => f.FragmentNumber),
      stored.map((f) => f.fragmentNumber),
    );
    const [first] = all.Fragments!;
    assert.ok(first.ProducerTimestamp instanceof Date);
    assert.equal(first.ProducerTimestamp.getTime(), 1_600_000_000_000);
    assert.equal(first.ServerTimestamp?.getTime(), base);
    assert.equal(first.FragmentSizeInBytes, 150);
    assert.equal(first.FragmentLengthInMilliseconds, 2000);

    const byProducer = await archived.send(
      new ListFragmentsCommand({
        StreamARN,
        FragmentSelector: {
          FragmentSelectorType: "PRODUCER_TIMESTAMP",
          TimestampRange: {
            StartTimestamp: new Date(1_600_000_002_000),
            EndTimestamp: new Date(1_600_000_004_500),
          },
        },
      }),
    );
    assert.deepEqual(
      byProducer.Fragments?.map((f) => f.FragmentNumber),
      stored.slice(1, 3).map((f) => f.fragmentNumber),
    );

    const pages = [];
    let NextToken: string | undefined;
    do {
      const page = await archived.send(
        new ListFragmentsCommand({
          StreamARN,
          MaxResults: 2,
          NextToken,
          FragmentSelector: {
            FragmentSelectorType: "SERVER_TIMESTAMP",
            TimestampRange: {
              StartTimestamp: new Date(base + 10),
              EndTimestamp: new Date(base + 40),
            },
          },
        }),
      );
      pages.push(page.Fragments?.map((f) => f.FragmentNumber));
      NextToken = page.NextToken;
    } while (NextToken && pages.length < 5);
    assert.deepEqual(pages, [
      stored.slice(1, 3).map((f) => f.fragmentNumber),
      stored.slice(3, 5).map((f) => f.fragmentNumber),
    ]);
  });

  test("ListFragments errors come back as the SDK's typed errors", async () => {
    const { kvs, archived } = clients(endpoint);
    await kvs.send(new CreateStreamCommand({ StreamName: "am-errors", DataRetentionInHours: 1 }));
    const missing = await rejection(
      archived.send(new ListFragmentsCommand({ StreamName: "am-none" })),
    );
    assert.ok(missing instanceof ResourceNotFoundException, String(missing));
    const backwards = await rejection(
      archived.send(
        new ListFragmentsCommand({
          StreamName: "am-errors",
          FragmentSelector: {
            FragmentSelectorType: "SERVER_TIMESTAMP",
            TimestampRange: { StartTimestamp: new Date(2000), EndTimestamp: new Date(1000) },
          },
        }),
      ),
    );
    assert.ok(backwards instanceof InvalidArgumentException, String(backwards));
    const tooMany = await rejection(
      archived.send(new ListFragmentsCommand({ StreamName: "am-errors", MaxResults: 5000 })),
    );
    assert.ok(tooMany instanceof InvalidArgumentException, String(tooMany));
    const badToken = await rejection(
      archived.send(new ListFragmentsCommand({ StreamName: "am-errors", NextToken: "AAAA" })),
    );
    assert.ok(badToken instanceof InvalidArgumentException, String(badToken));
  });

  test("DeleteStream drops the stream's fragments", async () => {
    const { kvs } = clients(endpoint);
    const { StreamARN } = await kvs.send(
      new CreateStreamCommand({ StreamName: "am-delete", DataRetentionInHours: 1 }),
    );
    await endpoint.testFragments.append(StreamARN!, fragment(1));
    assert.equal(endpoint.testFragments.fragments(StreamARN!).length, 1);
    await kvs.send(new DeleteStreamCommand({ StreamARN }));
    assert.equal(endpoint.testFragments.fragments(StreamARN!).length, 0);
  });
});

describe("fragments in --data-dir", () => {
  test("an endpoint restarted on its data dir lists the same fragments and numbers on", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-archived-"));
    try {
      const first = await startLocalEndpoint({ port: 0, dataDir });
      const { StreamARN } = await clients(first).kvs.send(
        new CreateStreamCommand({ StreamName: "am-kept", DataRetentionInHours: 1 }),
      );
      const stored = [];
      for (let i = 0; i < 3; i++) {
        stored.push(await first.testFragments.append(StreamARN!, fragment(i)));
      }
      await first.stop();

      const second = await startLocalEndpoint({ port: 0, dataDir });
      try {
        const { Fragments } = await clients(second).archived.send(
          new ListFragmentsCommand({ StreamARN }),
        );
        assert.deepEqual(
          Fragments?.map((f) => f.FragmentNumber),
          stored.map((f) => f.fragmentNumber),
        );
        assert.deepEqual(
          second.testFragments.fragments(StreamARN!).map((f) => f.frames[0].data),
          stored.map((f) => f.frames[0].data),
        );
        const next = await second.testFragments.append(StreamARN!, fragment(3));
        assert.ok(next.fragmentNumber > stored[2].fragmentNumber);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
