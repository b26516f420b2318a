/**
 * Live sources of `kvsrtc master`: Annex-B on stdin and an ffmpeg pipe, as separate processes,
 * each viewed by `kvsrtc viewer --out`; and a source that fails is reported while the master
 * keeps serving.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

const encode = "-f lavfi -i testsrc2=size=320x240:rate=25 -c:v libx264 -profile:v baseline " +
  "-g 25 -bf 0";

function ffmpegMissing(): string | undefined {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "ffmpeg is not installed (Debian ffmpeg)";
  }
}

/** Views `channel` until `frames` frames are written; returns the first frame's picture size. */
async function viewFrames(url: string, channel: string, frames: number) {
  const out = mkdtempSync(join(tmpdir(), "kvsrtc-sources-"));
  const viewer = runKvsrtc([
    "viewer",
    ...["--endpoint-url", url, "--channel", channel, "--out", out, "--frames", String(frames)],
  ]);
  assert.equal(await viewer.exited, 0, viewer.output.stderr);
  const files = readdirSync(out).filter((f) => f.endsWith(".h264")).sort();
  assert.ok(files.length >= frames, `${files.length} frames written`);
  const first = new Uint8Array(readFileSync(join(out, files[0])));
  const sps = findNalUnits(first).find((n) => nalType(first[n.offset]) === NalType.sps);
  assert.ok(sps, "the first frame written carries the SPS (a viewer starts at a keyframe)");
  const { width, height } = parseSps(first.subarray(sps.offset, sps.offset + sps.length));
  return { width, height };
}

describe("master sources: stdin and ffmpeg", { skip: ffmpegMissing() }, () => {
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
