/**
 * H.265 and VP8 end to end, as separate processes: `kvsrtc master` on an H.265 Annex-B file
 * and on a VP8 IVF file (both looped), with the test-only hook dropping every 10th video RTP
 * packet, and three `kvsrtc viewer --out DIR` each: every frame written is a source frame,
 * whole and in order from a keyframe (the NAL units for H.265, the bytes for VP8), and the loss
 * was all recovered through NACK. A live VP8 stream on stdin: a viewer whose offer came before
 * the first frame is answered with VP8, not the H.264 an unknown source would have been taken for.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { H265VideoIngest } from "../../core/h265/video-ingest.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { assertSourceOrder } from "../helpers/media-session.ts";
import {
  codecStream,
  codecStreamsMissing,
  h265Stream,
  vp8Ivf,
} from "../unit/support/codec-streams.ts";

const viewers = 3;
const framesEach = 60;

/** The frames a master sends of the H.265 stream: each keyframe with its VPS, SPS and PPS. */
function h265Frames(): Uint8Array[] {
  const splitter = new H265AccessUnitSplitter();
  const ingest = new H265VideoIngest();
  return [...splitter.push(h265Stream()), splitter.flush()!]
    .map((au, i) => ingest.frame(au, i).bytes);
}

const vp8Frames = () => new IvfReader().push(vp8Ivf()).map((f) => f.data);

/** Checks that VP8 frames are source frames, byte for byte, in order (looping) from a key frame. */
function assertVp8Order(received: readonly Uint8Array[], source: readonly Uint8Array[]) {
  const key = (frame: Uint8Array) => Buffer.from(frame).toString("base64");
  const keys = source.map(key);
  const first = keys.indexOf(key(received[0]));
  assert.ok(first !== -1, "the first frame written is a source frame");
  received.forEach((frame, i) => {
    assert.equal(key(frame), keys[(first + i) % source.length], `frame ${i} in order`);
  });
  return first;
}

describe(
  "H.265 and VP8: a master and three viewers, with loss",
  { skip: codecStreamsMissing() },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-codec-e2e-"));
    const running: KvsrtcProcess[] = [];
    before(() => {
      writeFileSync(join(dir, "camera.h265"), h265Stream());
      writeFileSync(join(dir, "camera.ivf"), vp8Ivf());
    });
    after(async () => {
      await Promise.all(running.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs the master on `source` and three viewers into their own directories. */
    async function session(channel: string, source: string) {
      const master = runKvsrtc(["master", "--channel", channel, "--source", source, "--loop"], {
        env: { KVSRTC_TEST_ONLY_DROP_EVERY_NTH_VIDEO_RTP: "10" },
      });
      running.push(master);
      const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
      const outs = Array.from({ length: viewers }, (_, i) => join(dir, `${channel}-${i}`));
      const processes = outs.map((out) =>
        runKvsrtc([
          "viewer",
          ...["--endpoint-url", url, "--channel", channel],
          ...["--out", out, "--frames", String(framesEach)],
        ])
      );
      running.push(...processes);
      const codes = await Promise.all(processes.map((p) => p.exited));
      codes.forEach((code, i) => assert.equal(code, 0, processes[i].output.stderr));
      for (const p of processes) {
        const [, lost, nacks] = /; (\d+) packets lost, (\d+) NACKs/.exec(p.output.stderr) ??
          assert.fail(p.output.stderr);
        assert.ok(Number(lost) === 0 && Number(nacks) > 0, `lost ${lost}, NACKs ${nacks}`);
      }
      await master.stop();
      return outs;
    }

    test("H.265: every viewer writes source access units, NAL unit for NAL unit, in order", async () => {
      const source = h265Frames();
      for (const out of await session("h265", join(dir, "camera.h265"))) {
        const files = readdirSync(out).filter((f) => f.endsWith(".h265")).sort();
        assert.equal(files.length, framesEach);
        const frames = files.map((f) => new Uint8Array(readFileSync(join(out, f))));
        const first = assertSourceOrder(frames, source);
        assert.equal(first % codecStream.gop, 0, "starts on a keyframe");
      }
    });

    test("a live VP8 stream on stdin: an offer before its first frame is answered VP8", async () => {
      const channel = "vp8-stdin";
      const master = runKvsrtc(["master", "--channel", channel, "--source", "-", "--fps", "30"], {
        stdin: true,
      });
      running.push(master);
      const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
      const out = join(dir, "vp8-stdin");
      const viewer = runKvsrtc([
        "viewer",
        ...["--endpoint-url", url, "--channel", channel, "--out", out, "--frames", "20"],
      ]);
      running.push(viewer);
      await master.waitFor(/an offer waits for the source's first frame/, 30_000);
      master.child.stdin!.write(vp8Ivf());
      assert.equal(await viewer.exited, 0, `${viewer.output.stderr}\n${master.output.stderr}`);
      const frames = new IvfReader().push(new Uint8Array(readFileSync(join(out, "video.ivf"))));
      assert.equal(frames.length, 20);
      assertVp8Order(frames.map((f) => f.data), vp8Frames());
      await master.stop();
    });

    test("VP8: every viewer writes the source frames byte for byte, in order, as IVF", async () => {
      const source = vp8Frames();
      for (const out of await session("vp8", join(dir, "camera.ivf"))) {
        const ivf = new Uint8Array(readFileSync(join(out, "video.ivf")));
        const reader = new IvfReader();
        const frames = reader.push(ivf).map((f) => f.data);
        reader.end();
        assert.equal(reader.header, undefined, "the file ends after a whole frame");
        assert.equal(frames.length, framesEach);
        const first = assertVp8Order(frames, source);
        assert.equal(first % codecStream.gop, 0, "starts on a key frame");
      }
    });
  },
);
