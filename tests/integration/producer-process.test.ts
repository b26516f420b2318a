/**
 * `kvsrtc producer` and `kvsrtc master --stream` as their own processes against `kvsrtc serve`,
 * read back through the AWS SDK clients: every frame of the built-in sample (and of a 720p
 * file ffmpeg makes), each NAL unit as the source has it, in order (GetMedia and ListFragments
 * agree), even across the endpoint killed and restarted on its --data-dir; SIGINT ends the
 * upload with its last fragment acknowledged and exit 0; a master's two viewers get their frames
 * while the stream gets every one; both print the upload's phases with --metrics; a missing
 * stream, a stream deleted under the upload and bad flags are one line and a non-zero exit.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  DeleteStreamCommand,
  DescribeStreamCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { readStreamBack, type StreamReadBack } from "../helpers/stream-readback.ts";
import { sampleFrames } from "../unit/support/samples.ts";
import { findNalUnits, isVclNalType, nalType } from "../../core/h264/nal-unit.ts";
import { localCredentialPair } from "../../adapters/local/mod.ts";
import { assertMatchesMetricsSchema } from "../helpers/metrics-schema.ts";
import { ffmpeg, ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";

const region = "us-west-2";

/**
 * The ffmpeg-made file is a minute long, and a file is sent in real time: Bun uploads all of
 * it, Deno (the same code, slower to run the suite) its first 15 s.
 */
const fileSeconds = 60;
const uploadSeconds = basename(process.execPath).startsWith("deno") ? 15 : fileSeconds;

/** The sample's frames as NAL units: the producer sends them from the first, looping. */
const sampleUnits = sampleFrames.map((frame) =>
  findNalUnits(frame).map((u) => frame.subarray(u.offset, u.offset + u.length))
);

/** The stream is the sample from its first frame on, NAL unit for NAL unit, at 30 fps. */
function assertSampleFromStart(back: StreamReadBack, atLeast: number) {
  assert.deepEqual(back.gotten, back.listed, "GetMedia and ListFragments agree");
  assert.equal(new Set(back.producerTimestampsMs).size, back.listed.length, "no fragment twice");
  assert.ok(back.video.length >= atLeast, `${back.video.length} frames in the stream`);
  const looped = back.video.map((_, i) => sampleUnits[i % sampleUnits.length]);
  assertFramesFromStart(back, looped, 30);
}

/**
 * The access units of an Annex-B stream of one slice per picture (as libx264 writes baseline),
 * as NAL units: each ends at its VCL NAL unit, with the parameter sets and SEI before it.
 */
function annexBFrames(stream: Uint8Array): Uint8Array[][] {
  const frames: Uint8Array[][] = [];
  let units: Uint8Array[] = [];
  for (const { offset, length } of findNalUnits(stream)) {
    const unit = stream.subarray(offset, offset + length);
    units.push(unit);
    if (isVclNalType(nalType(unit[0]))) {
      frames.push(units);
      units = [];
    }
  }
  return frames;
}

/** The stream is `frames` from the first on, NAL unit for NAL unit, at `fps`. */
function assertFramesFromStart(back: StreamReadBack, frames: Uint8Array[][], fps: number) {
  back.video.forEach((frame, i) => {
    assert.equal(frame.nalUnits.length, frames[i].length, `frame ${i} NAL units`);
    frame.nalUnits.forEach((unit, u) =>
      assert.ok(Buffer.from(unit).equals(Buffer.from(frames[i][u])), `frame ${i} unit ${u}`)
    );
    const expectedMs = Math.round((i * 1000) / fps);
    assert.ok(Math.abs(frame.timeMs - back.video[0].timeMs - expectedMs) <= 1, `frame ${i} time`);
  });
}

/** A command's failure as the user sees it: one line, no stack trace. */
function assertOneLineFailure(p: KvsrtcProcess, pattern: RegExp) {
  const lines = p.output.stderr.trim().split("\n");
  assert.match(lines[0], pattern);
  assert.doesNotMatch(p.output.stderr, /^\s+at /m, "no stack trace");
}

describe("kvsrtc producer and master --stream, as processes", () => {
  let serve: KvsrtcProcess;
  let url: string;
  const running: KvsrtcProcess[] = [];
  const run = (args: string[]) => {
    const p = runKvsrtc(args);
    running.push(p);
    return p;
  };
  const at = () => ["--endpoint-url", url, "--region", region];
  const readBack = (stream: string) => readStreamBack(url, region, localCredentialPair, stream);

  before(async () => {
    serve = runKvsrtc(["serve", "--port", "0"]);
    [, url] = await serve.waitFor(/local KVS endpoint at (http:\/\/\S+)/, 20_000);
  });
  after(async () => {
    for (const p of running) await p.stop();
    await serve?.stop();
  });

  test("producer --duration 8 uploads the sample: every frame reads back as sent, exit 0", async () => {
    const p = run(["producer", ...at(), "--stream", "p1", "--create-stream", "--duration", "8"]);
    assert.equal(await p.exited, 0, p.output.stderr);
    assert.match(
      p.output.stdout,
      /fragments sent \d+, acknowledged \d+, persisted \d+ \| \d+ kbit\/s/,
    );
    assertSampleFromStart(await readBack("p1"), 200);
  });

  test("a 1280x720 2 s-GOP H.264 file from ffmpeg reads back frame for frame; ffprobe takes it", {
    skip: ffmpegMissing(),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-producer-720p-"));
    try {
      const file = join(dir, "720p.h264");
      ffmpeg(
        ...["-f", "lavfi", "-i", `testsrc2=size=1280x720:rate=30`, "-t", `${fileSeconds}`],
        ...["-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast", "-g", "60"],
        ...["-sc_threshold", "0", "-b:v", "1M", "-pix_fmt", "yuv420p", file],
      );
      const frames = annexBFrames(readFileSync(file));
      assert.equal(frames.length, fileSeconds * 30, "ffmpeg made the whole file");
      const p = run([
        "producer",
        ...at(),
        ...["--stream", "p720", "--create-stream", "--source", file, "--fps", "30"],
        ...(uploadSeconds < fileSeconds ? ["--duration", `${uploadSeconds}`] : []),
      ]);
      assert.equal(await p.exited, 0, p.output.stderr);
      const back = await readBack("p720");
      assert.deepEqual(back.gotten, back.listed, "GetMedia and ListFragments agree");
      const want = uploadSeconds < fileSeconds ? (uploadSeconds - 1) * 30 : frames.length;
      assert.ok(back.video.length >= want, `${back.video.length} of ${want} frames in the stream`);
      assertFramesFromStart(back, frames, 30);
      writeFileSync(join(dir, "stream.mkv"), back.bytes);
      const [video] = probeStreams(join(dir, "stream.mkv"));
      assert.deepEqual(
        [video.codec_name, video.width, video.height, Number(video.nb_read_packets)],
        ["h264", 1280, 720, back.video.length],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("SIGINT ends the last fragment, waits for its acknowledgement, exits 0", async () => {
    const p = run(["producer", ...at(), "--stream", "p2", "--create-stream", "--json"]);
    await p.waitFor(/"eventType":"PERSISTED"(.|\n)*"eventType":"PERSISTED"/, 20_000);
    process.kill(p.child.pid!, "SIGINT"); // (Deno's child.kill() reports a signal exit)
    assert.equal(await p.exited, 0, p.output.stderr);
    const last = JSON.parse(p.output.stdout.trim().split("\n").at(-1)!);
    assert.equal(last.kind, "status");
    assert.ok(last.fragmentsSent >= 2, JSON.stringify(last));
    assert.equal(last.fragmentsAcknowledged, last.fragmentsSent, "every fragment acknowledged");
    assert.equal(last.fragmentsPersisted, last.fragmentsSent, "every fragment persisted");
    const back = await readBack("p2");
    assert.equal(back.listed.length, last.fragmentsPersisted);
    assertSampleFromStart(back, 30);
  });

  test("the endpoint SIGKILLed and restarted with --data-dir under a running producer: nothing lost or twice", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-producer-crash-"));
    const persisted = (n: number) => new RegExp(`("eventType":"PERSISTED"[^]*){${n}}`);
    try {
      const first = run(["serve", "--port", "0", "--data-dir", dataDir]);
      const [, own] = await first.waitFor(/local KVS endpoint at (http:\/\/\S+)/, 20_000);
      const p = run([
        "producer",
        ...["--endpoint-url", own, "--region", region, "--stream", "crash", "--create-stream"],
        "--json",
      ]);
      await p.waitFor(persisted(3), 20_000);
      first.child.kill("SIGKILL");
      await first.exited;
      const before = p.output.stdout.split('"PERSISTED"').length - 1;
      const again = run(["serve", "--port", new URL(own).port, "--data-dir", dataDir]);
      await again.waitFor(/local KVS endpoint at/, 20_000);
      await p.waitFor(persisted(before + 3), 30_000);
      process.kill(p.child.pid!, "SIGINT");
      assert.equal(await p.exited, 0, p.output.stderr);
      const last = JSON.parse(p.output.stdout.trim().split("\n").at(-1)!);
      assert.ok(last.connections >= 2, `it reconnected: ${JSON.stringify(last)}`);
      assert.equal(last.heldFragments, 0, "every fragment acknowledged in the end");
      const back = await readStreamBack(own, region, localCredentialPair, "crash");
      assertSampleFromStart(back, 30 * (before + 3));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("master --stream with 2 viewers: they get their frames, the stream holds every one", async () => {
    const master = run([
      "master",
      ...at(),
      ...["--channel", "shared", "--stream", "m1", "--create-stream"],
    ]);
    await master.waitFor(/view it with/, 20_000);
    const dirs = [1, 2].map(() => mkdtempSync(join(tmpdir(), "kvsrtc-stream-viewer-")));
    try {
      const viewers = dirs.map((out, i) =>
        run([
          "viewer",
          ...at(),
          ...["--channel", "shared", "--client-id", `v${i}`, "--out", out, "--frames", "90"],
        ])
      );
      for (const [i, viewer] of viewers.entries()) {
        assert.equal(await viewer.exited, 0, viewer.output.stderr);
        const frames = readdirSync(dirs[i]).filter((f) => f.endsWith(".h264"));
        assert.equal(frames.length, 90, viewer.output.stderr);
      }
      process.kill(master.child.pid!, "SIGINT");
      assert.equal(await master.exited, 0, master.output.stderr);
      assertSampleFromStart(await readBack("m1"), 90);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  test("producer --metrics --json prints its upload record once, every phase timed", async () => {
    const p = run([
      "producer",
      ...at(),
      ...["--stream", "p3", "--create-stream", "--duration", "3", "--metrics", "--json"],
    ]);
    assert.equal(await p.exited, 0, p.output.stderr);
    const records = p.output.stdout.trim().split("\n").map((line) => JSON.parse(line))
      .filter((r) => r.kind === "upload");
    assert.equal(records.length, 1, p.output.stdout);
    assertMatchesMetricsSchema(records[0]);
    for (const phase of records[0].phases) assert.ok(phase.durationMs !== undefined, phase.phase);
  });

  test("master --stream --metrics --json prints the upload record like the producer's, role master", async () => {
    const master = run([
      "master",
      ...at(),
      ...["--channel", "timed", "--stream", "m2", "--create-stream", "--metrics", "--json"],
    ]);
    await master.waitFor(/"kind":"upload"/, 20_000);
    process.kill(master.child.pid!, "SIGINT");
    assert.equal(await master.exited, 0, master.output.stderr);
    const records = master.output.stdout.trim().split("\n").filter((l) => l.startsWith("{"))
      .map((line) => JSON.parse(line)).filter((r) => r.kind === "upload");
    assert.equal(records.length, 1, master.output.stdout);
    assertMatchesMetricsSchema(records[0]);
    assert.deepEqual([records[0].role, records[0].stream], ["master", "m2"]);
    for (const phase of records[0].phases) assert.ok(phase.durationMs !== undefined, phase.phase);
  });

  test("the stream deleted under a running producer: one line saying so, exit 1, no retrying", async () => {
    const p = run(["producer", ...at(), "--stream", "p-deleted", "--create-stream", "--json"]);
    await p.waitFor(/"eventType":"PERSISTED"/, 20_000);
    const kvs = new KinesisVideoClient({ region, credentials: localCredentialPair, endpoint: url });
    const { StreamInfo } = await kvs.send(new DescribeStreamCommand({ StreamName: "p-deleted" }));
    await kvs.send(new DeleteStreamCommand({ StreamARN: StreamInfo!.StreamARN }));
    assert.equal(await p.exited, 1, p.output.stderr);
    const lines = p.output.stderr.trim().split("\n");
    assert.equal(
      lines.at(-1),
      "kvsrtc producer: stream p-deleted cannot take the upload: it was deleted (PutMedia " +
        "answered ERROR 4507 STREAM_DELETED); the upload stopped",
    );
    assert.doesNotMatch(p.output.stderr, /^\s+at /m, "no stack trace");
  });

  test("a missing stream: one line naming --create-stream, exit 1", async () => {
    const p = run(["producer", ...at(), "--stream", "nowhere"]);
    assert.equal(await p.exited, 1);
    assertOneLineFailure(p, /stream nowhere not found in us-west-2 \(add --create-stream\)/);
  });

  for (
    const [args, problem] of [
      [["producer", "--region", region], /^kvsrtc producer: --stream NAME is required$/],
      [["producer", "--stream", "s", "--fragment-ms", "20000"], /--fragment-ms "20000" must be/],
      [["producer", "--stream", "a b"], /--stream "a b" is not a valid stream name/],
      [["master", "--stream", "s", "--buffer-seconds", "0"], /--buffer-seconds "0" must be/],
    ] as const
  ) {
    test(`${args.join(" ")}: one line and usage, exit 2`, async () => {
      const p = run([...args]);
      assert.equal(await p.exited, 2);
      assertOneLineFailure(p, problem);
    });
  }
});
