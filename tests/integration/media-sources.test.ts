/**
 * File sources, in-process, on media ffmpeg makes: MP4 and Matroska demuxed to the access units
 * ffmpeg itself writes as Annex-B, at the file's timestamps and with its Opus packets; --loop;
 * frames over the size bound skipped with a warning while the source goes on.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { findNalUnits, isVclNalType, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { openSource, type SourceSettings } from "../../adapters/media/open-source.ts";
import type { MediaSource } from "../../adapters/media/source.ts";
import { ffmpeg, ffmpegMissing } from "../helpers/ffmpeg.ts";

interface Played {
  video: { au: Uint8Array; timeUs: number }[];
  audio: { packet: Uint8Array; timeUs: number }[];
  warnings: string[];
  ended: string;
  elapsedMs: number;
}

/** Plays a source until it ends, or until `frames` video frames came (then stops it). */
async function play(settings: Omit<SourceSettings, "warn">, frames = Infinity): Promise<Played> {
  const warnings: string[] = [];
  const source: MediaSource = openSource({ ...settings, warn: (m) => warnings.push(m) });
  const played: Played = { video: [], audio: [], warnings, ended: "", elapsedMs: 0 };
  const started = performance.now();
  source.start({
    video(au, timeUs) {
      played.video.push({ au, timeUs });
      if (played.video.length >= frames) source.stop();
    },
    audio: (packet, timeUs) => played.audio.push({ packet, timeUs }),
  });
  played.ended = await source.ended;
  played.elapsedMs = performance.now() - started;
  return played;
}

/** An Annex-B stream cut into access units. */
function accessUnits(stream: Uint8Array): Uint8Array[] {
  const splitter = new AccessUnitSplitter();
  const units = splitter.push(stream);
  const last = splitter.flush();
  return last ? [...units, last] : units;
}

/** The slice NAL units of an access unit: what must match whatever else is around them. */
const slices = (au: Uint8Array) =>
  findNalUnits(au).filter((n) => isVclNalType(nalType(au[n.offset])))
    .map((n) => au.subarray(n.offset, n.offset + n.length));
const types = (au: Uint8Array) => findNalUnits(au).map((n) => nalType(au[n.offset]));

describe("container and Annex-B file sources", { skip: ffmpegMissing() }, () => {
  let dir = "";
  let reference: Uint8Array[] = []; // the access units ffmpeg writes as Annex-B, same encode
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kvsrtc-media-"));
    ffmpeg(
      ...["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-f", "lavfi", "-i", "sine"],
      ...["-t", "2", "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p"],
      ...["-g", "30", "-c:a", "libopus", join(dir, "clip.mp4")],
    );
    ffmpeg("-i", join(dir, "clip.mp4"), "-c", "copy", join(dir, "clip.mkv"));
    ffmpeg("-i", join(dir, "clip.mp4"), "-c", "copy", "-f", "matroska", join(dir, "mkv.h264"));
    ffmpeg(
      ...["-i", join(dir, "clip.mp4"), "-c:v", "copy", "-an", "-bsf:v", "h264_mp4toannexb"],
      ...["-f", "h264", join(dir, "clip.h264")],
    );
    reference = accessUnits(new Uint8Array(readFileSync(join(dir, "clip.h264"))));
    assert.equal(reference.length, 60);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of ["clip.mp4", "clip.mkv"]) {
    test(`${file}: its H.264 as ffmpeg's Annex-B access units and its Opus, at their times`, async () => {
      const played = await play({ source: join(dir, file), fps: 30 });
      assert.match(played.ended, /ended after 60 frames and 10[01] Opus packets/);
      assert.equal(played.video.length, 60);
      played.video.forEach(({ au }, i) => {
        assert.deepEqual(slices(au), slices(reference[i]), `frame ${i + 1}'s slices`);
        const keyframe = types(au).includes(NalType.idrSlice);
        assert.equal(keyframe, i % 30 === 0, `frame ${i + 1} is a keyframe every 30`);
        if (keyframe) {
          assert.deepEqual(types(au).slice(0, 2), [NalType.sps, NalType.pps], "SPS, PPS first");
        }
      });
      const first = played.video[0].timeUs;
      played.video.forEach(({ timeUs }, i) =>
        assert.ok(Math.abs(timeUs - first - (i * 1e6) / 30) <= 1000, `frame ${i + 1} at ${timeUs}`)
      );
      assert.ok(played.audio.length >= 100, `${played.audio.length} Opus packets`);
      played.audio.slice(1).forEach(({ timeUs }, i) => {
        const step = timeUs - played.audio[i].timeUs;
        assert.ok(Math.abs(step - 20_000) <= 1000, `Opus packet ${i + 2} ${step} us after`);
      });
      // Paced by the file's timestamps: 2 s of media take about 2 s.
      assert.ok(played.elapsedMs > 1800 && played.elapsedMs < 4000, `${played.elapsedMs} ms`);
      assert.deepEqual(played.warnings, []);
    });
  }

  test("a container is known by its content, not its name (a Matroska file called .h264)", async () => {
    const played = await play({ source: join(dir, "mkv.h264"), fps: 30 });
    assert.match(played.ended, /the Matroska file .* ended after 60 frames/);
  });

  test("--loop plays a container again, its times going on from its end", async () => {
    const played = await play({ source: join(dir, "clip.mp4"), fps: 30, loop: true }, 65);
    assert.equal(played.ended, "stopped");
    const [last, again] = [played.video[59], played.video[60]];
    // The file's end is its longest track's (the audio's here), a few ms past the last frame.
    const gap = again.timeUs - last.timeUs;
    assert.ok(gap >= 1e6 / 30 - 1000 && gap < 1e6 / 15, `${gap} us from its last frame`);
    assert.ok(types(again.au).includes(NalType.idrSlice), "it starts over at the keyframe");
    assert.deepEqual(slices(again.au), slices(reference[0]));
  });

  test("an access unit over the bound in an Annex-B file is skipped with a warning", async () => {
    const clip = readFileSync(join(dir, "clip.h264"));
    const huge = new Uint8Array(17 << 20).fill(0xff);
    huge.set([0, 0, 0, 1, 0x65, 0x88]); // an IDR slice that never ends
    writeFileSync(join(dir, "huge.h264"), Buffer.concat([clip, huge, clip]));
    const played = await play({ source: join(dir, "huge.h264"), fps: 240 });
    assert.match(
      played.warnings.join("\n"),
      /skipped an access unit: .*exceeds 16777216 bytes.*\(1 skipped so far\)/,
    );
    assert.equal(played.warnings.length, 1);
    assert.match(played.ended, /ended after 120 frames/);
    assert.deepEqual(slices(played.video[60].au), slices(reference[0]), "the second copy whole");
  });

  test("a frame file over the bound is skipped with a warning; the others are sent", async () => {
    const frames = join(dir, "frames");
    mkdirSync(frames);
    reference.slice(0, 4).forEach((au, i) => writeFileSync(join(frames, `f${i}.h264`), au));
    writeFileSync(join(frames, "f2.h264"), new Uint8Array((16 << 20) + 1));
    const played = await play({ source: frames, fps: 60 });
    assert.match(played.warnings[0], /f2\.h264: 16777217 bytes is over the 16777216-byte bound/);
    assert.deepEqual(played.video.map(({ au }) => au), [reference[0], reference[1], reference[3]]);
  });
});
