/**
 * H.265 and VP8 sources, in-process, on streams ffmpeg makes: an Annex-B H.265 file, an IVF
 * file, a directory of raw VP8 frames and ffmpeg's stdout, each told by its content (or by
 * --codec where the content cannot tell) and given out as the very pictures the file holds.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSource, type SourceSettings } from "../../adapters/media/open-source.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import type { VideoCodec } from "../../core/media/video-codec.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import {
  codecStream,
  codecStreamsMissing,
  h265Stream,
  vp8Ivf,
} from "../unit/support/codec-streams.ts";

interface Played {
  pictures: Uint8Array[];
  codecs: Set<VideoCodec>;
  videoCodec?: VideoCodec;
  ended: string;
  elapsedMs: number;
}

async function play(settings: Omit<SourceSettings, "warn" | "fps"> & { fps?: number }) {
  const source = openSource({ fps: 30, ...settings });
  const played: Played = {
    pictures: [],
    codecs: new Set(),
    videoCodec: source.videoCodec,
    ended: "",
    elapsedMs: 0,
  };
  const started = performance.now();
  source.start({
    video(picture, _timeUs, codec) {
      played.pictures.push(picture);
      played.codecs.add(codec);
    },
    audio: () => {},
  });
  played.ended = await source.ended;
  played.elapsedMs = performance.now() - started;
  return played;
}

function h265AccessUnits(): Uint8Array[] {
  const splitter = new H265AccessUnitSplitter();
  return [...splitter.push(h265Stream()), splitter.flush()!];
}

const vp8Frames = () => new IvfReader().push(vp8Ivf()).map((f) => f.data);

describe("H.265 and VP8 sources", { skip: codecStreamsMissing() }, () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kvsrtc-codec-sources-"));
    writeFileSync(join(dir, "camera.bin"), h265Stream());
    writeFileSync(join(dir, "clip.h264"), vp8Ivf()); // named wrong: content decides
    mkdirSync(join(dir, "h265"));
    h265AccessUnits().forEach((au, i) =>
      writeFileSync(join(dir, "h265", `frame-${String(i).padStart(3, "0")}.h265`), au)
    );
    mkdirSync(join(dir, "vp8"));
    vp8Frames().forEach((frame, i) =>
      writeFileSync(join(dir, "vp8", `frame-${String(i).padStart(3, "0")}.vp8`), frame)
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("an Annex-B H.265 file: its access units, as H.265, told by content", async () => {
    const played = await play({ source: join(dir, "camera.bin"), fps: 120 });
    assert.equal(played.videoCodec, "h265");
    assert.deepEqual([...played.codecs], ["h265"]);
    assert.deepEqual(played.pictures, h265AccessUnits());
    assert.match(played.ended, /ended after 45 frames/);
  });

  test("an IVF file: its VP8 frames, at the file's own frame rate", async () => {
    const played = await play({ source: join(dir, "clip.h264"), fps: 240 });
    assert.equal(played.videoCodec, "vp8");
    assert.deepEqual([...played.codecs], ["vp8"]);
    assert.deepEqual(played.pictures, vp8Frames());
    // 45 frames at the IVF's 30 fps take 1.5 s, not the 0.2 s --fps 240 would.
    assert.ok(played.elapsedMs > 1200, `${played.elapsedMs} ms`);
  });

  test("a directory of raw VP8 frames, and one of H.265 access units", async () => {
    const vp8 = await play({ source: join(dir, "vp8"), fps: 120 });
    assert.equal(vp8.videoCodec, "vp8");
    assert.deepEqual(vp8.pictures, vp8Frames());
    const h265 = await play({ source: join(dir, "h265"), fps: 120 });
    assert.equal(h265.videoCodec, "h265");
    assert.deepEqual([...h265.codecs], ["h265"]);
    assert.deepEqual(h265.pictures, h265AccessUnits());
  });

  test("ffmpeg's stdout: IVF told by content, H.265 asked for with --codec", async () => {
    const input = `-f lavfi -i testsrc2=size=${codecStream.width}x${codecStream.height}:rate=30 ` +
      "-frames:v 20";
    const vp8 = await play({ source: `ffmpeg:${input} -c:v libvpx -f ivf -` });
    assert.equal(vp8.videoCodec, undefined, "a live stream's codec comes with its bytes");
    assert.deepEqual([...vp8.codecs], ["vp8"]);
    assert.equal(vp8.pictures.length, 20);
    const h265 = await play({
      source: `ffmpeg:${input} -c:v libx265 -x265-params log-level=error`,
      codec: "h265",
    });
    assert.equal(h265.videoCodec, "h265");
    assert.deepEqual([...h265.codecs], ["h265"]);
    assert.equal(h265.pictures.length, 20, h265.ended);
  });

  test("an IVF file of another codec ends the source in one line", async () => {
    const vp9 = vp8Ivf().slice();
    vp9.set([0x56, 0x50, 0x39, 0x30], 8); // fourcc VP90
    writeFileSync(join(dir, "vp9.ivf"), vp9);
    const played = await play({ source: join(dir, "vp9.ivf") });
    assert.equal(played.pictures.length, 0);
    assert.match(played.ended, /vp9\.ivf is not VP8 in IVF: its IVF header says "VP90", not VP8/);
  });

  test("--codec that the content contradicts is an error naming both", () => {
    assert.throws(
      () => openSource({ source: join(dir, "camera.bin"), fps: 30, codec: "h264" }),
      /camera\.bin is H\.265 by its content, not H\.264 \(--codec h264\)/,
    );
    assert.throws(() => openSource({ fps: 30, codec: "vp8" }), /built-in sample is H\.264/);
  });
});
