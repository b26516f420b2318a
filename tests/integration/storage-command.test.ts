/**
 * `kvsrtc storage` as a user runs it: `kvsrtc serve` and `kvsrtc storage` each a child process.
 * About 20 s of the sample are recorded through the endpoint's own storage peer while three
 * viewers watch the same master; read back through the official SDK clients, GetMedia gives at
 * least 18 s of H.264 whose frames are each a source frame, in order, ffprobe reads it and
 * ffmpeg decodes the HLS session; each viewer got every frame. With ten viewers beside the
 * recording storage peer an eleventh is refused and the recording goes on. `kvsrtc viewer
 * --storage` joins the session and gets the master's frames from the media server. The endpoint restarted under a
 * running `kvsrtc storage`: it joins again and the stream holds media from before and after. A
 * channel not mapped and a stream missing each end `kvsrtc storage` with one line and exit 1.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from "mediabunny";
import { GetDataEndpointCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import { GetMediaCommand, KinesisVideoMediaClient } from "@aws-sdk/client-kinesis-video-media";
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import {
  assertSourceOrder,
  nalKey,
  openViewer,
  type TestViewer,
} from "../helpers/media-session.ts";
import { sampleFrames } from "../unit/support/samples.ts";
import { type KvsTarget, resolveTarget } from "../../adapters/aws/mod.ts";
import type { MasterSetup } from "../helpers/media-session.ts";
import { lengthPrefixedNalUnits } from "../../core/h264/avcc.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";
import { decodedFrames, run } from "../helpers/archived-media.ts";
import { getMediaChunks } from "../helpers/get-media-chunks.ts";

const recordMs = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An AVCC frame's NAL units as nalKey gives an Annex-B one's. */
function avccKey(data: Uint8Array): string {
  return lengthPrefixedNalUnits(data, 4).map((u) => Buffer.from(u).toString("base64")).join(",");
}

/** Every fragment of the stream, through ListFragments (the data endpoint GetDataEndpoint names). */
async function listFragments(
  url: string,
  clientConfig: { region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
  stream: string,
) {
  const kvs = new KinesisVideoClient({ ...clientConfig, endpoint: url });
  const { DataEndpoint } = await kvs.send(
    new GetDataEndpointCommand({ StreamName: stream, APIName: "LIST_FRAGMENTS" }),
  );
  const archived = new KinesisVideoArchivedMediaClient({ ...clientConfig, endpoint: DataEndpoint });
  const { Fragments } = await archived.send(
    new ListFragmentsCommand({
      StreamName: stream,
      FragmentSelector: {
        FragmentSelectorType: "PRODUCER_TIMESTAMP",
        TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date() },
      },
    }),
  );
  return Fragments ?? [];
}

function oneLineError(stderr: string): string[] {
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  return stderr.split("\n").filter((line) => line.startsWith("kvsrtc storage:"));
}

describe("kvsrtc storage through kvsrtc serve", { skip: ffmpegMissing() }, () => {
  let serve: KvsrtcProcess;
  let url: string;
  let region: string;
  const children: KvsrtcProcess[] = [];
  const viewers: TestViewer[] = [];
  let target: KvsTarget;
  before(async () => {
    serve = runKvsrtc(["serve", "--port", "0"]);
    const found = await serve.waitFor(/at (http:\/\/\S+) \(region (\S+)\)/, 30_000);
    [, url, region] = found;
    target = await resolveTarget({ endpointUrl: url, region }, {});
  });
  after(async () => {
    for (const v of viewers) v.close();
    for (const child of children) await child.stop();
    await target?.close();
    await serve?.stop();
  });
  const storage = (args: string[]) => {
    const child = runKvsrtc(["storage", "--endpoint-url", url, ...args]);
    children.push(child);
    return child;
  };

  test("20 s recorded while three viewers watch: GetMedia, ffprobe and HLS give it back", async () => {
    const channel = `rec-${crypto.randomUUID().slice(0, 8)}`;
    const stream = `${channel}-stream`;
    // Every frame to every viewer: under a loaded test machine the in-process viewers' late
    // transport-cc feedback can drop an estimate below the stream, and the keyframes-only
    // adaptation (not what this test is about) would then thin their frames.
    const master = storage([
      ...["--channel", channel, "--stream", stream, "--create-stream", "--no-adaptation"],
    ]);
    await master.waitFor(/the storage session is connected: recording/, 30_000);
    const recordingFrom = new Date();
    const setup = { target } as MasterSetup;
    for (let i = 0; i < 3; i++) viewers.push(await openViewer(setup, channel, `watcher-${i}`));
    await Promise.all(viewers.map((v) => v.client.connected()));
    await sleep(recordMs);
    process.kill(master.child.pid!, "SIGTERM"); // (Deno's child.kill() reports a signal exit)
    assert.equal(await master.exited, 0, master.output.stderr);
    await sleep(1000);

    for (const v of viewers) {
      assert.ok(
        v.frames.length >= 500,
        `a viewer got ${v.frames.length} frames (${JSON.stringify(v.client.stats)})`,
      );
      assertSourceOrder(v.frames, sampleFrames);
      assert.equal(v.client.stats.framesDropped, 0);
    }

    const clientConfig = { region, credentials: await target.credentials.get() };
    const kvs = new KinesisVideoClient({ ...clientConfig, endpoint: url });
    const dataEndpoint = async (APIName: "GET_MEDIA") =>
      (await kvs.send(new GetDataEndpointCommand({ StreamName: stream, APIName }))).DataEndpoint!;
    const fragmentCount = (await listFragments(url, clientConfig, stream)).length;
    assert.ok(fragmentCount >= 18, `${fragmentCount} fragments`);

    const media = new KinesisVideoMediaClient({
      ...clientConfig,
      endpoint: await dataEndpoint("GET_MEDIA"),
    });
    const response = await media.send(
      new GetMediaCommand({ StreamName: stream, StartSelector: { StartSelectorType: "EARLIEST" } }),
    );
    let bytes: Uint8Array = new Uint8Array(0);
    const payload = response.Payload as AsyncIterable<Uint8Array> & { destroy?(): void };
    for await (const part of payload) {
      bytes = concatBytes([bytes, part]);
      const chunks = getMediaChunks(bytes).filter((c) => c.layout.at(-1) === "Tags");
      if (chunks.length >= fragmentCount) {
        bytes = bytes.subarray(0, chunks.at(-1)!.end);
        break;
      }
    }
    payload.destroy?.();

    const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
    const video = (await input.getTracks()).find((t) => t.type === "video")!;
    const frames: { data: Uint8Array; timestamp: number }[] = [];
    for await (const packet of new EncodedPacketSink(video).packets()) frames.push(packet);
    const seconds = frames.at(-1)!.timestamp - frames[0].timestamp;
    assert.ok(seconds >= 18, `${seconds.toFixed(1)} s of H.264 read back`);
    const keys = sampleFrames.map(nalKey);
    const first = keys.indexOf(avccKey(frames[0].data));
    assert.ok(first >= 0, "the first frame is a source frame");
    frames.forEach((f, i) =>
      assert.equal(avccKey(f.data), keys[(first + i) % keys.length], `frame ${i} as the source's`)
    );

    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-storage-"));
    try {
      const file = join(dir, "get-media.mkv");
      writeFileSync(file, bytes);
      const probed = probeStreams(file).map((s) => s.codec_name).sort();
      assert.deepEqual(probed, ["h264", "opus"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const hls = new KinesisVideoArchivedMediaClient({
      ...clientConfig,
      endpoint: (await kvs.send(
        new GetDataEndpointCommand({
          StreamName: stream,
          APIName: "GET_HLS_STREAMING_SESSION_URL",
        }),
      )).DataEndpoint!,
    });
    const { HLSStreamingSessionURL } = await hls.send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: stream,
        PlaybackMode: "ON_DEMAND",
        HLSFragmentSelector: {
          FragmentSelectorType: "SERVER_TIMESTAMP",
          TimestampRange: { StartTimestamp: recordingFrom, EndTimestamp: new Date() },
        },
      }),
    );
    await run("ffmpeg", ["-v", "error", "-i", HLSStreamingSessionURL!, "-f", "null", "-"]);
    const decoded = await decodedFrames(HLSStreamingSessionURL!);
    assert.ok(decoded.h264 >= 500, `${decoded.h264} frames decoded through HLS`);
  });

  test("kvsrtc viewer --storage joins the storage session: the media server forwards the frames", async () => {
    const channel = `fwd-${crypto.randomUUID().slice(0, 8)}`;
    const master = storage([
      "--channel",
      channel,
      "--stream",
      `${channel}-stream`,
      "--create-stream",
    ]);
    await master.waitFor(/the storage session is connected: recording/, 30_000);
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-joined-"));
    try {
      const joined = runKvsrtc([
        ...["viewer", "--endpoint-url", url, "--channel", channel, "--storage"],
        ...["--client-id", "joined-viewer", "--frames", "90", "--out", dir],
      ]);
      children.push(joined);
      assert.equal(await joined.exited, 0, joined.output.stderr);
      assert.match(joined.output.stderr, /connected to the storage session's media server/);
      const files = readdirSync(dir).filter((f) => f.endsWith(".h264")).sort();
      assert.equal(files.length, 90);
      assertSourceOrder(files.map((f) => readFileSync(join(dir, f))), sampleFrames);
      assert.doesNotMatch(master.output.stderr, /joined-viewer/, "the master never served it");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    process.kill(master.child.pid!, "SIGTERM");
    assert.equal(await master.exited, 0, master.output.stderr);
  });

  test("ten viewers beside the recording storage peer: an eleventh is refused, recording goes on", async () => {
    const channel = `full-${crypto.randomUUID().slice(0, 8)}`;
    const stream = `${channel}-stream`;
    // --max-viewers left at its default, 10: the storage peer must not take a viewer's place.
    const master = storage(["--channel", channel, "--stream", stream, "--create-stream"]);
    await master.waitFor(/the storage session is connected: recording/, 30_000);
    const setup = { target } as MasterSetup;
    const ten: TestViewer[] = [];
    for (let i = 0; i < 10; i++) ten.push(await openViewer(setup, channel, `seat-${i}`));
    viewers.push(...ten);
    await Promise.all(ten.map((v) => v.client.connected()));
    // The local endpoint refuses an eleventh viewer's signaling connection (KVS's ten, spec
    // §5.4); past it, the master's own --max-viewers would: either way it is refused.
    const eleventh = openViewer(setup, channel, "seat-10").then((v) => {
      viewers.push(v);
      return v.client.connected();
    });
    await assert.rejects(eleventh, /refused/);

    const clientConfig = { region, credentials: await target.credentials.get() };
    const before = (await listFragments(url, clientConfig, stream)).length;
    await sleep(3000);
    const after = (await listFragments(url, clientConfig, stream)).length;
    assert.ok(after > before, `the storage peer still records (${before} then ${after} fragments)`);
    assert.doesNotMatch(master.output.stderr, /the storage session ended/);
    for (const v of ten) assert.ok(v.frames.length > 0, "each of the ten gets frames");
    for (const v of ten) v.close();
    process.kill(master.child.pid!, "SIGTERM");
    assert.equal(await master.exited, 0, master.output.stderr);
  });

  test("the endpoint restarted under kvsrtc storage: it joins again, the stream holds both sides", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-restart-"));
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const channel = `restart-${crypto.randomUUID().slice(0, 8)}`;
    const stream = `${channel}-stream`;
    let restarted: KvsrtcProcess | undefined;
    try {
      let first: KvsrtcProcess | undefined = runKvsrtc([
        "serve",
        "--port",
        port,
        "--data-dir",
        dataDir,
      ]);
      const [, restartUrl] = await first.waitFor(/at (http:\/\/\S+) \(region/, 30_000);
      const master = runKvsrtc([
        "storage",
        "--endpoint-url",
        restartUrl,
        "--channel",
        channel,
        "--stream",
        stream,
        "--create-stream",
      ]);
      children.push(master);
      await master.waitFor(/the storage session is connected: recording/, 30_000);
      await sleep(4000);
      process.kill(first.child.pid!, "SIGTERM");
      assert.equal(await first.exited, 0, first.output.stderr);
      first = undefined;
      const recordings = () =>
        master.output.stderr.split("the storage session is connected: recording").length - 1;
      // The stopping endpoint's GO_AWAY makes the master join it once more before it is gone:
      // only a session after the restart counts.
      const recordedBefore = recordings();
      const restartedAt = Date.now();
      restarted = runKvsrtc(["serve", "--port", port, "--data-dir", dataDir]);
      await restarted.waitFor(/clients:/, 30_000);
      const deadline = Date.now() + 40_000;
      while (recordings() <= recordedBefore) {
        assert.ok(Date.now() < deadline, `no second storage session\n${master.output.stderr}`);
        await sleep(100);
      }
      // The master hears its storage peer's BYE and its signaling drop, and joins as soon as
      // signaling is back: about 0.6 s after the restart on loopback (5.7 s when it waited for
      // its RTCP watchdog); the bound leaves room for a loaded machine.
      const rejoinMs = Date.now() - restartedAt;
      console.log(`storage session again ${rejoinMs} ms after the endpoint was restarted`);
      assert.ok(rejoinMs < 25_000, `the rejoin took ${rejoinMs} ms`);
      await sleep(4000);
      process.kill(master.child.pid!, "SIGTERM");
      assert.equal(await master.exited, 0, master.output.stderr);
      await sleep(1000);

      const clientConfig = { region, credentials: await target.credentials.get() };
      const fragments = await listFragments(restartUrl, clientConfig, stream);
      const times = fragments.map((f) => f.ProducerTimestamp!.getTime());
      assert.ok(times.some((t) => t < restartedAt), "fragments from before the restart");
      assert.ok(times.some((t) => t > restartedAt), "and from after it");
    } finally {
      if (restarted) {
        process.kill(restarted.child.pid!, "SIGTERM");
        await restarted.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a channel not mapped and a stream missing: one line, exit 1", async () => {
    const unmapped = storage(["--channel", `unmapped-${crypto.randomUUID().slice(0, 8)}`]);
    assert.equal(await unmapped.exited, 1);
    const [line] = oneLineError(unmapped.output.stderr);
    assert.match(line, /is not mapped to a stream: map it with .* --stream NAME/);
    const missing = storage(["--channel", "missing-stream", "--stream", "no-such-stream"]);
    assert.equal(await missing.exited, 1);
    const [missingLine] = oneLineError(missing.output.stderr);
    assert.match(missingLine, /stream "no-such-stream" not found .*--create-stream/);
  });
});
