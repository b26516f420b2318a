/**
 * Live sources of `kvsrtc master`, as separate processes, each viewed by `kvsrtc viewer --out`:
 * GStreamer video and audio pipelines (`gst:`), Ogg Opus on stdin, one GStreamer pipeline with
 * both tracks muxed into Matroska, ffmpeg muxing both (`ffmpeg:`), and a Matroska stream on
 * stdin. Each source's stream is teed to a file as it is sent; every video frame the viewer
 * writes must hold the NAL units the encoder wrote, in order with none missing, and every audio
 * packet must be the encoder's. Also: a live stream that stalls (Annex-B, or Matroska cut
 * mid-block) is reported and goes on when it comes back, and audio that fails or is not Ogg Opus is reported in one line. And A/V sync: a
 * muxed pipeline ticks at every keyframe; the times the source gives the master keep each tick
 * within 40 ms of its keyframe, for 30 s (KVSRTC_TEST_SYNC_SECONDS=120 for the issue's 2 min).
 * And latency: a muxed Matroska stream is sent block by block, not a cluster (a GOP) at a time.
 * The README's live-source recipes that need no camera are run as written.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { OggOpusReader } from "../../core/opus/ogg-opus-reader.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { ffmpeg, ffmpegMissing } from "../helpers/ffmpeg.ts";
import { gstreamerMissing } from "../helpers/gstreamer.ts";
import { type KvsrtcProcess, runKvsrtc, viewIntoDir } from "../helpers/kvsrtc-process.ts";

const skip = gstreamerMissing() ?? ffmpegMissing();
const dir = mkdtempSync(join(tmpdir(), "kvsrtc-live-"));
const file = (name: string) => join(dir, name);

// What the tests encode: a 320x240 test pattern at 25 fps, a keyframe a second, and a tone.
const gstVideo = "videotestsrc is-live=true pattern=ball ! " +
  "video/x-raw,width=320,height=240,framerate=25/1 ! " +
  "x264enc tune=zerolatency key-int-max=25 speed-preset=ultrafast ! " +
  "video/x-h264,profile=constrained-baseline,stream-format=byte-stream";
const gstAudio = "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc";
/** The tail of a gst pipeline that writes to stdout and to `copy`, unbuffered. */
const teeTo = (copy: string) =>
  `tee name=t ! queue ! fdsink fd=1 t. ! queue ! filesink buffer-mode=unbuffered location=${copy}`;
const ffmpegInputs = "-re -f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440";
const ffmpegVideo = "-c:v libx264 -profile:v baseline -g 25 -bf 0 -pix_fmt yuv420p";
// Muxed: with a global header (the SPS and PPS in the track's codec private data), which
// ffmpeg's tee muxer needs.
const ffmpegEncode = `${ffmpegVideo} -flags +global_header -c:a libopus`;

/** A master's arguments: ffmpeg muxing both tracks as `format`, to stdout and to `copy`. */
const ffmpegTee = (format: string, copy: string, channel: string) => [
  "--source",
  `ffmpeg:${ffmpegInputs} ${ffmpegEncode} -map 0:v -map 1:a -f tee ` +
  `[f=${format}]pipe\\:1|[f=${format}]${file(copy)}`,
  ...["--channel", channel],
];

const running: KvsrtcProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startMaster(args: string[]) {
  const master = runKvsrtc(["master", ...args], { stdin: args.includes("-") });
  running.push(master);
  const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
  return { master, url };
}

/** Views `channel` until `frames` frames are written; returns what the viewer wrote. */
async function view(url: string, channel: string, frames: number) {
  const out = mkdtempSync(join(tmpdir(), "kvsrtc-live-view-"));
  await viewIntoDir(url, channel, frames, out);
  const read = (suffix: string) =>
    readdirSync(out).filter((f) => f.endsWith(suffix)).sort()
      .map((f) => new Uint8Array(readFileSync(join(out, f))));
  const written = { video: read(".h264"), audio: read(".opus") };
  rmSync(out, { recursive: true, force: true });
  return written;
}

const parameterSetTypes = new Set<number>([NalType.sps, NalType.pps]);

/** An access unit's NAL units, each as bytes, but its SPS and PPS (which a sender may add). */
function nalUnitsOf(au: Uint8Array): Uint8Array[] {
  return findNalUnits(au).filter((n) => !parameterSetTypes.has(nalType(au[n.offset])))
    .map((n) => au.subarray(n.offset, n.offset + n.length));
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((v, i) => v === b[i]);
const sameList = (a: Uint8Array[], b: Uint8Array[]) =>
  a.length === b.length && a.every((v, i) => same(v, b[i]));

/**
 * Where `got` is found in `sent` as a run with nothing missing or changed (`equal` per item);
 * fails naming what was compared.
 */
function assertRun<T>(what: string, got: T[], sent: T[], equal: (a: T, b: T) => boolean) {
  assert.ok(got.length > 0, `the viewer got no ${what}`);
  for (let start = 0; start + got.length <= sent.length; start++) {
    if (got.every((g, i) => equal(g, sent[start + i]))) return start;
  }
  assert.fail(`the viewer's ${got.length} ${what} are not a run of the ${sent.length} sent`);
}

/** The viewer's frames are the encoder's, in order; each keyframe carries its SPS and PPS. */
function assertFrames(viewed: Uint8Array[], encoded: Uint8Array[]) {
  assertRun("frames", viewed.map(nalUnitsOf), encoded.map(nalUnitsOf), sameList);
  const keyframes = viewed.filter((au) =>
    findNalUnits(au).some((n) => nalType(au[n.offset]) === NalType.idrSlice)
  );
  assert.ok(keyframes.length > 0, "the viewer got a keyframe");
  for (const au of keyframes) {
    const types = findNalUnits(au).map((n) => nalType(au[n.offset]));
    assert.ok(types.includes(NalType.sps) && types.includes(NalType.pps), `keyframe: ${types}`);
  }
}

function accessUnitsIn(path: string): Uint8Array[] {
  const splitter = new AccessUnitSplitter();
  const units = splitter.push(new Uint8Array(readFileSync(path)));
  const last = splitter.flush();
  return last ? [...units, last] : units;
}

const opusPacketsIn = (path: string) =>
  new OggOpusReader(1 << 16).push(new Uint8Array(readFileSync(path)));

/** The encoder's frames and packets in a muxed copy, taken out by ffmpeg without re-encoding. */
function tracksIn(container: string, name: string) {
  const [video, audio] = [file(`${name}-ref.h264`), file(`${name}-ref.ogg`)];
  ffmpeg("-i", container, "-map", "0:v", "-c", "copy", "-bsf:v", "h264_mp4toannexb", video);
  ffmpeg("-i", container, "-map", "0:a", "-c", "copy", audio);
  return { video: accessUnitsIn(video), audio: opusPacketsIn(audio) };
}

/** The viewer's video and audio are what the encoders wrote. */
function assertViewed(
  viewed: { video: Uint8Array[]; audio: Uint8Array[] },
  sent: { video: Uint8Array[]; audio: Uint8Array[] },
) {
  assertFrames(viewed.video, sent.video);
  assert.ok(viewed.audio.length >= 25, `${viewed.audio.length} audio packets`);
  assertRun("audio packets", viewed.audio, sent.audio, same);
}

describe("live sources, viewed", { skip }, () => {
  test("gst: video and gst: audio, two pipelines", async () => {
    const channel = `gst-${Date.now()}`;
    const { url } = await startMaster([
      ...["--source", `gst:${gstVideo} ! ${teeTo(file("gst.h264"))}`],
      ...["--audio", `gst:${gstAudio} ! oggmux ! ${teeTo(file("gst.ogg"))}`],
      ...["--channel", channel],
    ]);
    const viewed = await view(url, channel, 75);
    assertViewed(viewed, {
      video: accessUnitsIn(file("gst.h264")),
      audio: opusPacketsIn(file("gst.ogg")),
    });
  });

  test("--audio - reads Ogg Opus on stdin beside gst: video", async () => {
    const channel = `ogg-stdin-${Date.now()}`;
    const { master, url } = await startMaster([
      ...["--source", `gst:${gstVideo}`, "--audio", "-", "--channel", channel],
    ]);
    const encoder = spawn("ffmpeg", [
      ...["-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine", "-t", "30", "-c:a", "libopus"],
      // Pages of 20 ms rather than ffmpeg's 1 s: each packet is written as it is encoded.
      ...["-f", "tee", "-map", "0:a"],
      `[f=ogg:page_duration=20000]pipe\\:1|[f=ogg:page_duration=20000]${file("stdin.ogg")}`,
    ], { stdio: ["ignore", "pipe", "inherit"] });
    encoder.stdout.pipe(master.child.stdin!);
    const encoded = new Promise((done) => encoder.on("exit", done));
    let viewed;
    try {
      viewed = await view(url, channel, 50);
    } finally {
      encoder.kill(); // ffmpeg ends its outputs on SIGTERM: the copy is complete once it exits
    }
    await encoded;
    assert.ok(viewed.audio.length >= 25, `${viewed.audio.length} audio packets`);
    assertRun("audio packets", viewed.audio, opusPacketsIn(file("stdin.ogg")), same);
  });

  test("one gst: pipeline muxing both tracks into Matroska", async () => {
    const channel = `gst-mkv-${Date.now()}`;
    const { master, url } = await startMaster([
      ...[
        "--source",
        `gst:${gstVideo} ! h264parse ! matroskamux name=m streamable=true ! ` +
        `${teeTo(file("gst.mkv"))} ${gstAudio} ! m.`,
      ],
      ...["--channel", channel],
    ]);
    await master.waitFor(/streaming gst-launch-1\.0/, 5000);
    const viewed = await view(url, channel, 75);
    await master.stop();
    assertViewed(viewed, tracksIn(file("gst.mkv"), "gst-mkv"));
  });

  test("ffmpeg: muxing both tracks into Matroska", async () => {
    const channel = `ffmpeg-mkv-${Date.now()}`;
    const { master, url } = await startMaster(ffmpegTee("matroska", "ffmpeg.mkv", channel));
    const viewed = await view(url, channel, 75);
    await master.stop();
    assertViewed(viewed, tracksIn(file("ffmpeg.mkv"), "ffmpeg-mkv"));
  });

  test("ffmpeg: muxing MPEG-TS: its video, and a warning that its Opus is not read", async () => {
    const channel = `ffmpeg-ts-${Date.now()}`;
    const { master, url } = await startMaster(ffmpegTee("mpegts", "ffmpeg.ts", channel));
    await master.waitFor(
      /warning: the output of ffmpeg has no Opus track .*MPEG-TS.*video only/,
      10_000,
    );
    const viewed = await view(url, channel, 50);
    await master.stop();
    assertFrames(viewed.video, tracksIn(file("ffmpeg.ts"), "ffmpeg-ts").video);
  });

  test("a Matroska stream on stdin", async () => {
    ffmpeg(
      ...`${ffmpegInputs.replace("-re ", "")} -t 20 ${ffmpegEncode}`.split(" "),
      file("in.mkv"),
    );
    const channel = `mkv-stdin-${Date.now()}`;
    const { master, url } = await startMaster(["--source", "-", "--channel", channel]);
    const feeder = spawn("ffmpeg", [
      ...["-loglevel", "error", "-re", "-i", file("in.mkv"), "-c", "copy", "-f", "matroska", "-"],
    ], { stdio: ["ignore", "pipe", "inherit"] });
    feeder.stdout.pipe(master.child.stdin!);
    try {
      assertViewed(await view(url, channel, 75), tracksIn(file("in.mkv"), "in-mkv"));
    } finally {
      feeder.kill();
    }
  });
});

describe("live sources: stalls and failures", { skip }, () => {
  before(() => {
    ffmpeg(
      ...`-f lavfi -i testsrc2=size=320x240:rate=25 -t 4 ${ffmpegVideo} -f h264`.split(" "),
      file("clip.h264"),
    );
  });

  test("a live stream that stalls is reported, and goes on when it comes back", async () => {
    const channel = `stall-${Date.now()}`;
    const { master, url } = await startMaster(["--source", "-", "--channel", channel]);
    const units = accessUnitsIn(file("clip.h264"));
    const stdin = master.child.stdin!;
    stdin.write(units.slice(0, 50).reduce((all, au) => new Uint8Array([...all, ...au])));
    await master.waitFor(/nothing arrived for 5 s \(stalled\?\); waiting for it/, 10_000);
    const viewing = view(url, channel, 20);
    await new Promise((r) => setTimeout(r, 1000));
    for (const au of units.slice(50)) {
      stdin.write(au);
      await new Promise((r) => setTimeout(r, 40));
    }
    await master.waitFor(/data again after \d+\.\d s; going on/, 5000);
    const viewed = await viewing;
    assertFrames(viewed.video, units);
    assert.equal(master.child.exitCode, null, "the master is still running");
  });

  test("a Matroska stream that stalls mid-cluster goes on when it comes back", async () => {
    ffmpeg(
      ...`${ffmpegInputs.replace("-re ", "")} -t 4 ${ffmpegEncode}`.split(" "),
      file("stall.mkv"),
    );
    const channel = `mkv-stall-${Date.now()}`;
    const { master, url } = await startMaster(["--source", "-", "--channel", channel]);
    const bytes = new Uint8Array(readFileSync(file("stall.mkv")));
    const stdin = master.child.stdin!;
    // Cut at an arbitrary byte: inside a block, inside a cluster.
    const cut = Math.floor(bytes.length * 0.4) + 7;
    stdin.write(bytes.subarray(0, cut));
    await master.waitFor(/nothing arrived for 5 s \(stalled\?\); waiting for it/, 10_000);
    const viewing = view(url, channel, 20);
    await new Promise((r) => setTimeout(r, 1000));
    for (let at = cut; at < bytes.length; at += 4096) {
      stdin.write(bytes.subarray(at, at + 4096));
      await new Promise((r) => setTimeout(r, 20));
    }
    await master.waitFor(/data again after \d+\.\d s; going on/, 5000);
    const viewed = await viewing;
    assertFrames(viewed.video, tracksIn(file("stall.mkv"), "stall-mkv").video);
    assert.equal(master.child.exitCode, null, "the master is still running");
  });

  test("stdin held back by --fps pacing is not taken for a stall", async () => {
    const { master } = await startMaster(["--source", "-", "--fps", "8", "--channel", "held"]);
    // 100 frames at 8 fps: the read-ahead of 60 fills at once and then waits 7.5 s to drain.
    master.child.stdin!.end(readFileSync(file("clip.h264")));
    await master.waitFor(/on stdin \(8 fps\) ended after 100 frames/, 30_000);
    assert.doesNotMatch(master.output.stderr, /stalled/);
  });

  test("--audio from a tool that fails is reported in one line; the video goes on", async () => {
    const { master } = await startMaster([
      ...["--source", `gst:${gstVideo}`, "--audio", "gst:nosuchelement", "--channel", "a-fail"],
    ]);
    await master.waitFor(
      /warning: gst-launch-1\.0 .* exited with code 1.*; the video goes on/,
      10_000,
    );
    assert.doesNotMatch(master.output.stderr, /^\s+at /m, "no stack trace");
  });

  test("--audio that is not Ogg Opus is reported in one line", async () => {
    const { master } = await startMaster([
      ...[
        "--source",
        `gst:${gstVideo}`,
        "--audio",
        `ffmpeg:-re -i ${file("clip.h264")} -c copy -f h264 -`,
      ],
      ...["--channel", "a-bad"],
    ]);
    await master.waitFor(
      /warning: the output of ffmpeg is not Ogg Opus: no Ogg capture pattern at byte 0; the video/,
      10_000,
    );
  });

  test("Ogg audio given as --source is named for what it is", async () => {
    const { master } = await startMaster([
      ...["--source", `gst:${gstAudio} ! oggmux`, "--channel", "ogg-video"],
    ]);
    await master.waitFor(
      /warning: the output of gst-launch-1\.0 is Ogg, not video \(is it audio/,
      10_000,
    );
  });
});

describe("latency of a muxed live source", { skip }, () => {
  test("at a 2 s GOP, every frame is sent well under a GOP after the pipeline made it", {
    timeout: 30_000,
  }, async () => {
    const gopSeconds = 2;
    const source = openSource({
      source: `gst:${gstVideo.replace("key-int-max=25", `key-int-max=${25 * gopSeconds}`)} ! ` +
        `h264parse ! matroskamux name=m streamable=true ! fdsink fd=1 ${gstAudio} ! m.`,
      fps: 25,
    });
    // Each frame's arrival less its container time: the smallest is the pipe's own delay.
    const late: number[] = [];
    source.start({
      video: (_, timeUs) => late.push(performance.now() - timeUs / 1000),
      audio() {},
    });
    await new Promise((r) => setTimeout(r, 4000 * gopSeconds));
    source.stop();
    assert.ok(late.length >= 100, `${late.length} frames`);
    const soonest = Math.min(...late);
    const lags = late.map((at) => at - soonest).sort((a, b) => a - b);
    const [median, worst] = [lags[lags.length >> 1], lags.at(-1)!];
    console.log(
      `frame lag behind the pipeline: median ${median.toFixed(0)} ms, ` +
        `worst ${worst.toFixed(0)} ms (a GOP is ${gopSeconds * 1000} ms)`,
    );
    // Read a cluster at a time (mediabunny), the median was half a GOP and the worst a GOP.
    assert.ok(median < 200, `median ${median.toFixed(0)} ms behind`);
    assert.ok(worst < gopSeconds * 1000 / 2, `worst ${worst.toFixed(0)} ms behind`);
  });
});

describe("A/V sync of a muxed live source", { skip }, () => {
  const seconds = Number(process.env.KVSRTC_TEST_SYNC_SECONDS) || 30;
  test(`a tick at every keyframe stays within 40 ms of it for ${seconds} s`, {
    timeout: (seconds + 30) * 1000,
  }, async () => {
    // One pipeline clock for both: a keyframe every 25 frames at 25 fps, a tick every second.
    const source = openSource({
      source: `gst:${gstVideo} ! h264parse ! matroskamux name=m streamable=true ! fdsink fd=1 ` +
        "audiotestsrc is-live=true wave=ticks tick-interval=1000000000 ! audioconvert ! " +
        "audioresample ! opusenc bitrate-type=vbr ! m.",
      fps: 25,
    });
    const keyframesUs: number[] = [];
    const audio: { timeUs: number; bytes: number }[] = [];
    source.start({
      video(au, timeUs) {
        if (findNalUnits(au).some((n) => nalType(au[n.offset]) === NalType.idrSlice)) {
          keyframesUs.push(timeUs);
        }
      },
      audio: (packet, timeUs) => audio.push({ timeUs, bytes: packet.length }),
    });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    source.stop();
    // Opus codes silence in a few bytes; a tick's first packet is the first large one after it.
    const loud = (i: number) => audio[i].bytes > 50;
    const ticksUs = audio.filter((_, i) => i > 0 && loud(i) && !loud(i - 1)).map((a) => a.timeUs);
    assert.ok(keyframesUs.length >= seconds - 5, `${keyframesUs.length} keyframes`);
    for (const keyUs of keyframesUs.slice(1)) {
      const nearest = ticksUs.reduce((a, b) => Math.abs(b - keyUs) < Math.abs(a - keyUs) ? b : a);
      const offMs = (nearest - keyUs) / 1000;
      assert.ok(Math.abs(offMs) <= 40, `the tick is ${offMs} ms from the keyframe at ${keyUs} us`);
    }
  });
});

/** The `kvsrtc master` command lines of the README's block of recipes that tests run. */
function readmeRecipes(): string[][] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = readme.split("<!-- recipes: ")[1]?.split("```sh\n")[1]?.split("```")[0];
  assert.ok(block, "the README has its block of recipes");
  return block.split("\n").filter((line) => line.startsWith("kvsrtc master "))
    .map((line) => shellWords(line).slice(2));
}

/** A command line's words, as sh splits them: on spaces, but not inside single quotes. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

describe("the README's live-source recipes", { skip }, () => {
  const recipes = readmeRecipes();
  test("there are the three recipes that need no camera", () => assert.equal(recipes.length, 3));
  for (const [n, args] of recipes.entries()) {
    test(`recipe ${n + 1} (${args[1].slice(0, 40)}...): a viewer gets video and audio`, async () => {
      const channel = `recipe-${n}-${Date.now()}`;
      const { url } = await startMaster([...args, "--channel", channel]);
      const viewed = await view(url, channel, 60);
      assert.ok(viewed.video.length >= 60, `${viewed.video.length} frames`);
      assert.ok(viewed.audio.length >= 25, `${viewed.audio.length} audio packets`);
    });
  }
});
