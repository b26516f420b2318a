/**
 * A/V sync at the viewer: a master fed by one GStreamer pipeline muxing a test pattern and
 * noise into Matroska, a `kvsrtc viewer --out DIR --timestamps FILE` on it for 2 minutes on
 * Bun (15 s on Deno, where the same test runs to show it works there too). The pipeline's
 * stream is teed to a file: its container times are the source's. Every frame and audio packet
 * the viewer wrote is found in it by its bytes, and for each video frame and the audio packet
 * nearest it in source time, the viewer's (audio time - video time), both on the master's
 * clock by its sender reports, must stay within 40 ms of the source's.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { type MkvMedia, MkvMediaReader } from "../../core/mkv/mkv-media-reader.ts";
import type { TimestampRecord } from "../../adapters/viewer/timestamps-file.ts";
import { gstreamerMissing } from "../helpers/gstreamer.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

const seconds = "Bun" in globalThis ? 120 : 15;
/** The bound. */
const maxSkewMs = 40;
/** A joining viewer's catch-up burst (its GOP at one-tick timestamps) is not the source's timing. */
const joinMs = 1500;

const dir = mkdtempSync(join(tmpdir(), "kvsrtc-av-sync-"));
const running: KvsrtcProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

// A keyframe a second at 25 fps; noise, so that every Opus packet is told apart by its bytes.
const pipeline = "videotestsrc is-live=true pattern=ball ! " +
  "video/x-raw,width=320,height=240,framerate=25/1 ! " +
  "x264enc tune=zerolatency key-int-max=25 speed-preset=ultrafast ! " +
  "video/x-h264,profile=constrained-baseline ! h264parse ! matroskamux name=m streamable=true ! " +
  "tee name=t ! queue ! fdsink fd=1 " +
  `t. ! queue ! filesink buffer-mode=unbuffered location=${join(dir, "sent.mkv")} ` +
  "audiotestsrc is-live=true wave=white-noise volume=0.2 ! audioconvert ! audioresample ! " +
  "opusenc ! m.";

type Timed = { bytes: Uint8Array; timeMs: number };

const parameterSets = new Set<number>([NalType.sps, NalType.pps]);
/** A frame's NAL units, but the SPS and PPS (a sender may add them), joined. */
function pictureBytes(au: Uint8Array): Uint8Array {
  const units = findNalUnits(au).filter((n) => !parameterSets.has(nalType(au[n.offset])));
  return new Uint8Array(units.flatMap((n) => [...au.subarray(n.offset, n.offset + n.length)]));
}

const same = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** The teed stream's frames and packets at their container times (its end may be cut off). */
function sentMedia(): { video: Timed[]; audio: Timed[] } {
  const reader = new MkvMediaReader({
    withAudio: true,
    maxAccessUnitBytes: 16 << 20,
    maxOpusPacketBytes: 1 << 16,
  });
  const media: MkvMedia[] = reader.push(new Uint8Array(readFileSync(join(dir, "sent.mkv"))));
  const sent = { video: [] as Timed[], audio: [] as Timed[] };
  for (const m of media) {
    if (m.kind === "video") {
      sent.video.push({ bytes: pictureBytes(m.accessUnit), timeMs: m.timeUs / 1000 });
    }
    if (m.kind === "audio") sent.audio.push({ bytes: m.packet, timeMs: m.timeUs / 1000 });
  }
  return sent;
}

/**
 * Each viewed item's source time, found forward in order by its bytes; undefined if not found
 * (not -1: the stream's first frame may have a negative time in the container).
 */
function sourceTimes(viewed: Uint8Array[], sent: Timed[]): (number | undefined)[] {
  let next = 0;
  return viewed.map((bytes) => {
    for (let i = next; i < sent.length; i++) {
      if (same(bytes, sent[i].bytes)) {
        next = i + 1;
        return sent[i].timeMs;
      }
    }
    return undefined;
  });
}

describe("A/V sync at the viewer", { skip: gstreamerMissing() }, () => {
  test(`audio and video stay within ${maxSkewMs} ms of the source's relation for ${seconds} s`, {
    timeout: (seconds + 90) * 1000,
  }, async () => {
    const channel = `av-sync-${Date.now()}`;
    const master = runKvsrtc(["master", "--source", `gst:${pipeline}`, "--channel", channel]);
    running.push(master);
    const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const out = join(dir, "out");
    const stamps = join(dir, "timestamps.jsonl");
    const viewer = runKvsrtc([
      ...["viewer", "--endpoint-url", url, "--channel", channel],
      ...["--out", out, "--timestamps", stamps, "--duration", String(seconds)],
    ]);
    running.push(viewer);
    const code = await viewer.exited;
    assert.equal(code, 0, viewer.output.stderr);
    await master.stop();

    const records: TimestampRecord[] = readFileSync(stamps, "utf8").trim().split("\n")
      .map((line) => JSON.parse(line));
    const files = (suffix: string) =>
      readdirSync(out).filter((f) => f.endsWith(suffix)).sort()
        .map((f) => new Uint8Array(readFileSync(join(out, f))));
    const viewed = { video: files(".h264").map(pictureBytes), audio: files(".opus") };
    const sent = sentMedia();
    const joinedAt = records[0].receivedAtMs;
    /** A track's items: source time, and viewer time on the master's clock. */
    const timed = (track: "video" | "audio") => {
      const own = records.filter((r) => r.track === track);
      assert.equal(own.length, viewed[track].length, `a ${track} line per ${track} file`);
      const sourceMs = sourceTimes(viewed[track], sent[track]);
      const unsent = sourceMs.filter((t) => t === undefined).length;
      assert.equal(unsent, 0, `${unsent} ${track} items viewed were never sent`);
      return own.map((r, i) => ({
        sourceMs: sourceMs[i]!,
        viewerMs: r.senderTimeMs,
        at: r.receivedAtMs,
      }))
        .filter((t) => t.viewerMs !== null && t.at - joinedAt >= joinMs)
        .map((t) => ({ sourceMs: t.sourceMs, viewerMs: t.viewerMs! }));
    };
    const video = timed("video");
    const audio = timed("audio");
    // Enough of the stream to say it held throughout (a loaded machine sends fewer frames).
    assert.ok(video.length >= (seconds - 4) * 25 / 2, `${video.length} video frames compared`);
    const skews: number[] = [];
    let a = 0;
    for (const v of video) {
      while (
        a + 1 < audio.length &&
        Math.abs(audio[a + 1].sourceMs - v.sourceMs) <= Math.abs(audio[a].sourceMs - v.sourceMs)
      ) a++;
      if (Math.abs(audio[a].sourceMs - v.sourceMs) > 20) continue; // no packet of that instant
      skews.push((audio[a].viewerMs - v.viewerMs) - (audio[a].sourceMs - v.sourceMs));
    }
    assert.ok(skews.length >= video.length * 0.9, `${skews.length} of ${video.length} paired`);
    const [low, high] = [Math.min(...skews), Math.max(...skews)];
    console.log(
      `A/V skew at the viewer against the source over ${seconds} s, ${skews.length} pairs: ` +
        `${low.toFixed(1)} to ${high.toFixed(1)} ms`,
    );
    assert.ok(Math.max(-low, high) <= maxSkewMs, `skew ${low.toFixed(1)} to ${high.toFixed(1)} ms`);
  });
});
