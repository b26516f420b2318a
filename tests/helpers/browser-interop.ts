/**
 * kvsrtc against the most widely deployed WebRTC stack, headless Chromium, in both directions:
 * the viewer page views `kvsrtc master` streaming the built-in sample, and a Chromium master
 * (the browser master page, fake camera) is viewed by `kvsrtc viewer --out DIR --frames 100`.
 * The commands run as their own processes: from source (tests/integration) or as the built
 * binary (tests/e2e), which also proves the pages and the JS SDK bundle are embedded in it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNalUnits, NalType, nalType } from "../../core/h264/nal-unit.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { builtinSampleFiles } from "../../adapters/media/builtin-sample-files.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import {
  blankReason,
  type Chromium,
  chromiumMissing,
  decodeH264InBrowser,
  imageStats,
  launchChromium,
  openBrowserMaster,
  testArtifacts,
  viewFrames,
} from "./chromium.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { type KvsrtcProcess, runKvsrtc } from "./kvsrtc-process.ts";

/** The picture size in the first SPS of an Annex-B access unit. */
function pictureSize(au: Uint8Array): { width: number; height: number } {
  const sps = findNalUnits(au).find((n) => nalType(au[n.offset]) === NalType.sps);
  assert.ok(sps, "the first access unit has no SPS");
  const { width, height } = parseSps(au.subarray(sps.offset, sps.offset + sps.length));
  return { width, height };
}

/** The picture size of the built-in sample video (its first frame carries the SPS). */
export function samplePictureSize(): { width: number; height: number } {
  return pictureSize(new Uint8Array(readFileSync(builtinSampleFiles().get("frame-0001.h264")!)));
}

/** The two tests, running kvsrtc from source or, given `binary`, that executable. */
export function browserInteropTests(options: { binary?: string } = {}) {
  const how = options.binary ? "the binary" : "kvsrtc from source";
  describe(`Chromium and ${how}, both directions, through the local endpoint`, () => {
    const skip = chromiumMissing();
    if (skip) console.log(`SKIPPED browser interop: ${skip}`);
    const artifacts = testArtifacts();
    let browser: Chromium;
    const processes: KvsrtcProcess[] = [];
    const kvsrtc = (args: string[]) => {
      const p = runKvsrtc(args, { binary: options.binary });
      processes.push(p);
      return p;
    };
    before(async () => {
      if (skip) return;
      ensureKvsWebrtcSdk();
      browser = await launchChromium({ fakeMedia: true });
    });
    after(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await browser?.close();
    });

    test(
      "the viewer page plays `kvsrtc master` streaming the sample: 100 frames at the source's size, audio, a data-channel round trip",
      {
        skip,
      },
      async () => {
        const source = samplePictureSize();
        const channel = `page-views-master-${Date.now()}`;
        const master = kvsrtc(["master", "--channel", channel]);
        // The embedded endpoint's URL, which `kvsrtc master` prints for the viewer page.
        const [origin] = await master.waitFor(/http:\/\/127\.0\.0\.1:\d+/, 30_000);

        const page = await viewFrames(
          browser,
          viewerPageUrl(origin, channel),
          100,
          60_000,
          () => `kvsrtc master: ${master.output.stderr}`,
        );
        const text = `round trip ${crypto.randomUUID()}`;
        await page.evaluate((t) => globalThis.kvsrtcViewer.send(t), text);
        // kvsrtc master answers each data-channel message with one that quotes it.
        await page.waitForFunction(
          (t) => globalThis.kvsrtcViewer.received.some((m) => m.includes(t)),
          text,
          { timeout: 10_000 },
        );
        const stats = (await page.evaluate(() => globalThis.kvsrtcViewer.stats))!;
        assert.ok(stats.framesDecoded >= 100, `frames decoded: ${stats.framesDecoded}`);
        assert.deepEqual({ width: stats.width, height: stats.height }, source);
        assert.ok(stats.audioPackets > 0, `audio packets received: ${stats.audioPackets}`);
        assert.equal(stats.codecs[0], "video/H264");

        const screenshot = await page.locator("#remote").screenshot({
          path: join(artifacts, "viewer-page-plays-kvsrtc-master.png"),
        });
        await page.screenshot({ path: join(artifacts, "viewer-page-full.png"), fullPage: true });
        assert.equal(blankReason(await imageStats(page, screenshot)), undefined);
        await page.close();
        await master.stop();
      },
    );

    test(
      "`kvsrtc viewer --out DIR --frames 100` writes 100 complete frames from a Chromium master",
      {
        skip,
      },
      async () => {
        const serve = kvsrtc(["serve", "--port", "0"]);
        const [, url] = await serve.waitFor(/endpoint at (http:\/\/\S+) /, 30_000);
        const channel = `chromium-master-${Date.now()}`;
        const page = await openBrowserMaster(browser, url, channel);

        const out = mkdtempSync(join(tmpdir(), "kvsrtc-viewer-out-"));
        try {
          const viewer = kvsrtc([
            "viewer",
            "--endpoint-url",
            url,
            "--channel",
            channel,
            "--out",
            out,
            "--frames",
            "100",
          ]);
          const code = await Promise.race([
            viewer.exited,
            new Promise((r) => setTimeout(() => r("timed out after 60 s"), 60_000)),
          ]);
          assert.equal(
            code,
            0,
            `kvsrtc viewer: ${code}\n${viewer.output.stdout}\n${viewer.output.stderr}`,
          );
          const files = readdirSync(out).filter((f) => f.endsWith(".h264")).sort();
          assert.equal(files.length, 100, `files written: ${readdirSync(out).join(", ")}`);
          const frames = files.map((f) => new Uint8Array(readFileSync(join(out, f))));
          // The browser's camera is 640x480 (as getUserMedia was asked); the first frame starts
          // the stream, so it carries the SPS.
          assert.deepEqual(pictureSize(frames[0]), { width: 640, height: 480 });
          const decoded = await decodeH264InBrowser(page, frames, "avc1.42e01f");
          assert.deepEqual(decoded, { decoded: 100, width: 640, height: 480 });
          const master = await page.evaluate(() => globalThis.kvsrtcMaster);
          assert.equal(Object.values(master.viewers)[0]?.codec, "video/H264");
        } finally {
          rmSync(out, { recursive: true, force: true });
          await page.close();
        }
      },
    );
  });
}
