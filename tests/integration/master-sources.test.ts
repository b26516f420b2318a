/**
 * Sources of `kvsrtc master`, as separate processes: Annex-B on stdin (live, or paced by --fps),
 * an ffmpeg pipe and an MP4 file, each viewed by `kvsrtc viewer --out`; and a source that fails
 * or is not H.264 is reported in one line while the master keeps serving.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { ffmpeg, ffmpegMissing } from "../helpers/ffmpeg.ts";
import { type KvsrtcProcess, runKvsrtc, viewIntoDir } from "../helpers/kvsrtc-process.ts";

const encode = "-f lavfi -i testsrc2=size=320x240:rate=25 -c:v libx264 -profile:v baseline " +
  "-g 25 -bf 0";

/** Views `channel` until `frames` frames are written; returns the first frame's picture size. */
async function viewFrames(url: string, channel: string, frames: number) {
  const out = mkdtempSync(join(tmpdir(), "kvsrtc-sources-"));
  await viewIntoDir(url, channel, frames, out);
  const files = readdirSync(out).filter((f) => f.endsWith(".h264")).sort();
  assert.ok(files.length >= frames, `${files.length} frames written`);
  const first = new Uint8Array(readFileSync(join(out, files[0])));
  const sps = findNalUnits(first).find((n) => nalType(first[n.offset]) === NalType.sps);
  assert.ok(sps, "the first frame written carries the SPS (a viewer starts at a keyframe)");
  const { width, height } = parseSps(first.subarray(sps.offset, sps.offset + sps.length));
  return { width, height };
}

const running: KvsrtcProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
});

async function startMaster(args: string[]) {
  const master = runKvsrtc(["master", ...args], { stdin: args.includes("-") });
  running.push(master);
  const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
  return { master, url };
}

/** Random bytes with no zero byte, so no start code by chance. */
const noise = (length: number) => crypto.getRandomValues(new Uint8Array(length)).map((b) => b || 1);

/** Waits for the master to say its source ended with `how`; it goes on, with no stack trace. */
async function endsInOneLine(master: KvsrtcProcess, how: RegExp) {
  await master.waitFor(
    new RegExp(`warning: ${how.source}.*still serving.*`),
    20_000,
  );
  assert.doesNotMatch(master.output.stderr, /^\s+at /m, "no stack trace");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(master.child.exitCode, null, "the master is still running");
}

describe("master sources: stdin and ffmpeg", { skip: ffmpegMissing() }, () => {
  test("--source - reads an Annex-B stream on stdin", async () => {
    const channel = `stdin-${Date.now()}`;
    const { master, url } = await startMaster(["--source", "-", "--channel", channel]);
    const ffmpeg = spawn("ffmpeg", [
      ...["-loglevel", "error", "-re", ...encode.split(" "), "-t", "20", "-f", "h264", "-"],
    ], { stdio: ["ignore", "pipe", "inherit"] });
    ffmpeg.stdout.pipe(master.child.stdin ?? assert.fail("the master has no stdin"));
    try {
      assert.deepEqual(await viewFrames(url, channel, 30), { width: 320, height: 240 });
    } finally {
      ffmpeg.kill();
    }
  });

  test("--source ffmpeg:ARGS spawns ffmpeg and reads its stdout", async () => {
    const channel = `ffmpeg-${Date.now()}`;
    const { url } = await startMaster(["--source", `ffmpeg:-re ${encode}`, "--channel", channel]);
    assert.deepEqual(await viewFrames(url, channel, 30), { width: 320, height: 240 });
  });

  test("a source that fails is reported and the master keeps serving", async () => {
    const channel = `failing-${Date.now()}`;
    const { master } = await startMaster([
      ...["--source", "ffmpeg:-f lavfi -i no-such-filter", "--channel", channel],
    ]);
    await master.waitFor(/exited with code 1.*still serving/, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(master.child.exitCode, null, "the master is still running");
  });
});

describe("master sources: files and what is not H.264", { skip: ffmpegMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-sources-"));
  const file = (name: string) => join(dir, name);
  before(() => {
    // The temporary directory's path has no spaces, so these split as they read.
    const run = (args: string) => ffmpeg(...args.split(" "));
    run(`-f lavfi -i sine ${encode} -t 2 -c:a libopus ${file("clip.mp4")}`);
    run(
      `-i ${file("clip.mp4")} -c:v copy -an -bsf:v h264_mp4toannexb -f h264 ${file("clip.h264")}`,
    );
    run(`-f lavfi -i testsrc=size=160x120:rate=10 -t 1 -c:v libvpx ${file("vp8.webm")}`);
    writeFileSync(file("empty.h264"), new Uint8Array());
    writeFileSync(file("random.h264"), noise(60_000));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ["empty.h264", "random.h264"]) {
    test(`${name}: the source ends in one line naming the problem, the master serves on`, async () => {
      const { master } = await startMaster([
        "--source",
        file(name),
        "--channel",
        `bad-${Date.now()}`,
      ]);
      await endsInOneLine(master, /\S+ has no H\.264 access units \(is it Annex-B H\.264\?\)/);
    });
  }

  test("random bytes on stdin end in one line naming the problem", async () => {
    const { master } = await startMaster(["--source", "-", "--channel", `bad-stdin-${Date.now()}`]);
    master.child.stdin!.end(noise(60_000));
    await endsInOneLine(master, /stdin has no H\.264 access units \(is it Annex-B H\.264\?\)/);
  });

  test("a container without H.264 names the codecs it has", async () => {
    const { master } = await startMaster([
      "--source",
      file("vp8.webm"),
      "--channel",
      `vp8-${Date.now()}`,
    ]);
    await endsInOneLine(master, /\S+vp8\.webm has no H\.264 video track \(it has vp8 video\)/);
  });

  test("an MP4 file is demuxed: a viewer gets its H.264 pictures", async () => {
    const channel = `mp4-${Date.now()}`;
    const { master, url } = await startMaster([
      "--source",
      file("clip.mp4"),
      "--loop",
      "--channel",
      channel,
    ]);
    await master.waitFor(/streaming the MP4 file/, 5000);
    assert.deepEqual(await viewFrames(url, channel, 30), { width: 320, height: 240 });
  });

  test("--source - with --fps sends a file piped in at that rate, not all at once", async () => {
    const channel = `paced-${Date.now()}`;
    const { master } = await startMaster(["--source", "-", "--fps", "25", "--channel", channel]);
    const started = performance.now();
    master.child.stdin!.end(readFileSync(file("clip.h264")));
    await master.waitFor(/on stdin \(25 fps\) ended after 50 frames/, 20_000);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds > 1.8, `50 frames at 25 fps took ${seconds.toFixed(2)} s`);
  });
});
