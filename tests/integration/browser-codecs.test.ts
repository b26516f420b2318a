/**
 * Headless Chromium views a `kvsrtc master` process in the viewer page: a VP8 source (an IVF
 * file, looped) is decoded, 100 frames or more at its size; an H.265 source only where this
 * Chromium can receive H.265 over WebRTC (it needs a hardware decoder): else the test says it
 * is skipped, and why.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import { type Chromium, chromiumMissing, launchChromium, viewFrames } from "../helpers/chromium.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import {
  codecStream,
  codecStreamsMissing,
  h265Stream,
  vp8Ivf,
} from "../unit/support/codec-streams.ts";

/**
 * Why the H.265 test is skipped: this Chromium lists no H.265 among the codecs it receives over
 * WebRTC (it offers H.265 only with a hardware decoder it can use); undefined when it does.
 */
async function h265NotReceived(): Promise<string | undefined> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const codecs = await page.evaluate(() =>
      (RTCRtpReceiver.getCapabilities("video")?.codecs ?? []).map((c) => c.mimeType)
    );
    if (codecs.includes("video/H265")) return undefined;
    return `this Chromium receives no H.265 in WebRTC (it needs a hardware decoder); it ` +
      `receives ${[...new Set(codecs)].join(", ")}`;
  } finally {
    await browser.close();
  }
}

const skip = chromiumMissing() ?? codecStreamsMissing();
const h265Skip = skip ?? await h265NotReceived();

describe("headless Chromium views H.265 and VP8 masters", {
  skip,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-browser-codecs-"));
  let browser: Chromium;
  const masters: KvsrtcProcess[] = [];
  before(async () => {
    ensureKvsWebrtcSdk();
    browser = await launchChromium();
    writeFileSync(join(dir, "camera.ivf"), vp8Ivf());
    writeFileSync(join(dir, "camera.h265"), h265Stream());
  });
  after(async () => {
    await Promise.all(masters.map((m) => m.stop()));
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a master on `source` and the page on it until it decoded 100 frames: its stats. */
  async function view(codec: string, source: string) {
    const channel = `browser-${codec}-${Date.now()}`;
    const master = runKvsrtc(["master", "--source", source, "--loop", "--channel", channel]);
    masters.push(master);
    const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const page = await viewFrames(
      browser,
      viewerPageUrl(url, channel),
      100,
      30_000,
      () => master.output.stderr,
    );
    const stats = (await page.evaluate(() => globalThis.kvsrtcViewer.stats))!;
    await page.close();
    assert.ok(stats.framesDecoded >= 100);
    return stats;
  }

  test("a VP8 master: the page decodes 100 frames at the source's size", async () => {
    const stats = await view("vp8", join(dir, "camera.ivf"));
    assert.deepEqual(
      { width: stats.width, height: stats.height },
      { width: codecStream.width, height: codecStream.height },
    );
    assert.ok(stats.codecs.includes("video/VP8"), stats.codecs.join(", "));
  });

  test("an H.265 master: the page decodes 100 frames", { skip: h265Skip }, async () => {
    const stats = await view("h265", join(dir, "camera.h265"));
    assert.ok(stats.codecs.includes("video/H265"), stats.codecs.join(", "));
  });
});
