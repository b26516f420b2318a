/**
 * The PutMedia uploader against the local endpoint, in process: the built-in sample uploaded
 * in real time from a Broadcast and read back through the AWS SDK clients (GetMedia and
 * ListFragments) gives every frame, each NAL unit identical to the source's, in order, at its
 * time; and through a TCP proxy that cuts the connection at random points or freezes it, or
 * with the endpoint answering ERROR when its store fails, the stream still holds every fragment
 * exactly once, in order, and the uploader kept going.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { putMediaTestLimits } from "../../adapters/local/put-media.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import type { KvsTarget } from "../../adapters/aws/target.ts";
import { feedBroadcast } from "../../adapters/media/feed-broadcast.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { PutMediaUploader } from "../../adapters/producer/put-media-uploader.ts";
import { StreamApi } from "../../adapters/producer/stream-api.ts";
import { kvsClientFor } from "../../adapters/aws/target.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";
import { type ReadBackFrame, readStreamBack } from "../helpers/stream-readback.ts";
import { ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";
import { until } from "../helpers/media-session.ts";

/**
 * A TCP proxy to `port` whose open connections a test can cut, or whose busiest one (the most
 * bytes from the client: the PutMedia, not an idle pooled API connection) it can freeze.
 */
async function cuttingProxy(
  port: number,
): Promise<{ url: string; cut(): number; freeze(): number; close(): void }> {
  const pairs = new Set<[Socket, Socket]>();
  const sentBytes = new Map<Socket, number>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on(
      "data",
      (chunk: Buffer) => sentBytes.set(client, (sentBytes.get(client) ?? 0) + chunk.length),
    );
    client.pipe(upstream).pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  /** Cuts every connection now; returns how many. */
  const cut = () => {
    const n = pairs.size;
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    return n;
  };
  /** The busiest open connection stops passing bytes either way, kept open; its bytes so far. */
  const freeze = () => {
    const bytes = (pair: [Socket, Socket]) => sentBytes.get(pair[0]) ?? 0;
    const busiest = [...pairs].sort((a, b) => bytes(b) - bytes(a))[0];
    if (!busiest) return 0;
    const [client, upstream] = busiest;
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
    return bytes(busiest);
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut,
    freeze,
    close() {
      cut();
      server.close();
    },
  };
}

interface Upload {
  uploader: PutMediaUploader;
  /** The source's video frames from its first keyframe, up to the last the uploader took. */
  sent: ReadBackFrame[];
  /** Stops the source and the upload; true when everything was acknowledged. */
  stop(): Promise<boolean>;
}

/** Uploads the built-in sample, in real time, to `streamName` on `target`. */
async function upload(target: KvsTarget, streamName: string): Promise<Upload> {
  const stream = await new StreamApi(kvsClientFor(target).options).describeOrCreate(streamName);
  const broadcast = new Broadcast();
  const sent: ReadBackFrame[] = [];
  let firstMs: number | undefined;
  // Before the uploader: it sees each frame first, so it never takes one this did not see.
  broadcast.subscribe((frame) => {
    if (frame.kind !== "video") return;
    if (firstMs === undefined && !frame.keyframe) return;
    firstMs ??= frame.timeUs / 1000;
    sent.push({
      timeMs: Math.round(frame.timeUs / 1000),
      nalUnits: frame.nalUnits.map((u) => frame.bytes.subarray(u.offset, u.offset + u.length)),
    });
  });
  const uploader = new PutMediaUploader({ target, broadcast, stream, log: silentLog, audio: true });
  const source = openSource({ fps: 30, paceStdin: false });
  feedBroadcast(source, broadcast, silentLog);
  return {
    uploader,
    sent,
    async stop() {
      const acknowledged = await uploader.stop();
      source.stop();
      // What the uploader took: every frame up to where stop() ended its last fragment.
      sent.splice(uploader.stats()!.framesTaken.video);
      return acknowledged;
    },
  };
}

/** The stream's frames are the ones sent: same count, same NAL units, same spacing in time. */
function assertFramesAsSent(got: ReadBackFrame[], sent: ReadBackFrame[]) {
  assert.equal(got.length, sent.length, "video frame count");
  got.forEach((frame, i) => {
    assert.equal(frame.timeMs - got[0].timeMs, sent[i].timeMs - sent[0].timeMs, `frame ${i} time`);
    assert.equal(frame.nalUnits.length, sent[i].nalUnits.length, `frame ${i} NAL units`);
    frame.nalUnits.forEach((unit, u) =>
      assert.ok(Buffer.from(unit).equals(Buffer.from(sent[i].nalUnits[u])), `frame ${i} unit ${u}`)
    );
  });
}

describe("PutMedia uploader", () => {
  let endpoint: LocalEndpoint;
  let kvs: KinesisVideoClient;

  before(async () => {
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
    kvs = new KinesisVideoClient({
      region: endpoint.region,
      credentials: endpoint.credentials,
      endpoint: endpoint.url,
    });
  });
  after(() => endpoint?.stop());

  /** The stream holds every fragment once (GetMedia and ListFragments agree), the frames as sent. */
  async function assertStoredOnceAsSent(streamName: string, sent: ReadBackFrame[]) {
    const back = await readStreamBack(
      endpoint.url,
      endpoint.region,
      endpoint.credentials,
      streamName,
    );
    assert.deepEqual(back.gotten, back.listed, "GetMedia and ListFragments agree");
    const timestamps = back.producerTimestampsMs;
    assert.equal(new Set(timestamps).size, timestamps.length, "no fragment twice");
    assertFramesAsSent(back.video, sent);
  }

  const targetAt = (url: string) =>
    resolveTarget({ region: endpoint.region, endpointUrl: url }, { log: silentLog });

  test("the sample uploaded for 10 s reads back through GetMedia frame for frame", async () => {
    await kvs.send(new CreateStreamCommand({ StreamName: "upload", DataRetentionInHours: 1 }));
    const target = await targetAt(endpoint.url);
    const running = await upload(target, "upload");
    await new Promise((r) => setTimeout(r, 10_000));
    assert.equal(await running.stop(), true, "every fragment acknowledged");
    const stats = running.uploader.stats()!;
    const back = await readStreamBack(
      endpoint.url,
      endpoint.region,
      endpoint.credentials,
      "upload",
    );
    assert.equal(back.listed.length, stats.fragmentsPersisted);
    assert.deepEqual(back.gotten, back.listed, "GetMedia and ListFragments agree");
    assert.ok(running.sent.length >= 250, `${running.sent.length} frames sent`);
    assertFramesAsSent(back.video, running.sent);
    if (ffmpegMissing()) return;
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-upload-"));
    try {
      writeFileSync(join(dir, "stream.mkv"), back.bytes);
      const streams = probeStreams(join(dir, "stream.mkv"));
      assert.deepEqual(streams.map((s) => s.codec_name), ["h264", "opus"]);
      assert.equal(Number(streams[0].nb_read_packets), running.sent.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an ERROR acknowledgement (the endpoint's store failing, as a full disk does): a new PutMedia, no loss", async () => {
    await kvs.send(new CreateStreamCommand({ StreamName: "error", DataRetentionInHours: 1 }));
    const store = endpoint.testFragments;
    const append = store.append.bind(store);
    let failures = 0;
    store.append = (...args) => {
      if (failures === 0) return append(...args);
      failures--;
      return Promise.reject(new Error("no space left on device"));
    };
    try {
      const running = await upload(await targetAt(endpoint.url), "error");
      const stats = () => running.uploader.stats();
      await until(() => (stats()?.fragmentsPersisted ?? 0) >= 2, 10_000, "2 fragments persisted");
      failures = 2; // the next two fragments: ERROR 5000 (INTERNAL_ERROR), each on its own PutMedia
      await until(
        () => failures === 0 && stats()!.fragmentsPersisted >= 5,
        20_000,
        "both errors, then 5 fragments persisted",
      );
      assert.equal(await running.stop(), true, "every fragment acknowledged after the errors");
      assert.equal(stats()!.errors, 2);
      assert.ok(stats()!.connections >= 3, "a new PutMedia after each ERROR");
      assert.deepEqual(Object.values(stats()!.dropped), [0, 0, 0, 0], "nothing dropped");
      await assertStoredOnceAsSent("error", running.sent);
    } finally {
      store.append = append;
    }
  });

  test("the stream deleted under the upload (ERROR 4507): the upload stops and says so, no retry", async () => {
    const created = await kvs.send(
      new CreateStreamCommand({ StreamName: "deleted", DataRetentionInHours: 1 }),
    );
    const running = await upload(await targetAt(endpoint.url), "deleted");
    const stats = () => running.uploader.stats();
    await until(() => (stats()?.fragmentsPersisted ?? 0) >= 1, 10_000, "a fragment persisted");
    await kvs.send(new DeleteStreamCommand({ StreamARN: created.StreamARN }));
    const failure = await Promise.race([
      running.uploader.failed,
      new Promise<undefined>((r) => setTimeout(r, 10_000)),
    ]);
    assert.ok(failure, "the upload failed within 10 s of the deletion");
    assert.equal(
      failure.message,
      "stream deleted cannot take the upload: it was deleted (PutMedia answered ERROR 4507 " +
        "STREAM_DELETED); the upload stopped",
    );
    const connections = stats()!.connections;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(stats()!.connections, connections, "no new PutMedia after it");
    assert.equal(stats()!.heldFragments, 0, "every frame let go");
    assert.equal(await running.stop(), false, "not everything was acknowledged");
  });

  test("a connection that goes silent (no acknowledgement 5 s after data): dropped, a new PutMedia, no loss", async () => {
    await kvs.send(new CreateStreamCommand({ StreamName: "frozen", DataRetentionInHours: 1 }));
    const proxy = await cuttingProxy(Number(new URL(endpoint.url).port));
    // The frozen connection stays open at the endpoint, which refuses another PutMedia to the
    // stream until it gives that one up (AWS: ~30 s without data); here after 3 s.
    putMediaTestLimits.noDataTimeoutMs = 3_000;
    try {
      const running = await upload(await targetAt(proxy.url), "frozen");
      const stats = () => running.uploader.stats();
      await until(() => (stats()?.fragmentsPersisted ?? 0) >= 1, 10_000, "a fragment persisted");
      const frozenAt = stats()!.connections;
      assert.ok(proxy.freeze() > 100_000, "the PutMedia frozen");
      await until(() => stats()!.connections > frozenAt, 10_000, "a new PutMedia");
      const persisted = stats()!.fragmentsPersisted;
      await until(() => stats()!.fragmentsPersisted > persisted + 1, 15_000, "persisted again");
      assert.equal(await running.stop(), true, "every fragment acknowledged");
      await assertStoredOnceAsSent("frozen", running.sent);
    } finally {
      delete putMediaTestLimits.noDataTimeoutMs;
      proxy.close();
    }
  });

  test("cut 20 times at random points, the stream holds every fragment exactly once, in order", async () => {
    await kvs.send(new CreateStreamCommand({ StreamName: "cut", DataRetentionInHours: 1 }));
    const proxy = await cuttingProxy(Number(new URL(endpoint.url).port));
    try {
      const target = await targetAt(proxy.url);
      const running = await upload(target, "cut");
      let cuts = 0;
      while (cuts < 20) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
        if (proxy.cut() > 0) cuts++;
      }
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(await running.stop(), true, "every fragment acknowledged after the cuts");
      assert.ok(running.uploader.stats()!.connections > cuts, "it reconnected after each cut");
      const back = await readStreamBack(endpoint.url, endpoint.region, endpoint.credentials, "cut");
      assert.deepEqual(back.gotten, back.listed, "GetMedia and ListFragments agree");
      const timestamps = back.producerTimestampsMs;
      assert.equal(new Set(timestamps).size, timestamps.length, "no fragment twice");
      assertFramesAsSent(back.video, running.sent);
    } finally {
      proxy.close();
    }
  });
});
