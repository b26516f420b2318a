/**
 * The media path in-process (Master, ViewerClient) against headless Chromium, both directions:
 * the viewer page plays the master's sample; a ViewerClient receives a Chromium master's camera
 * and the browser's own decoder (WebCodecs) decodes every frame it got.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openSignaling, resolveTarget } from "../../adapters/aws/mod.ts";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ViewerClient } from "../../adapters/viewer/viewer-client.ts";
import { silentLog } from "../../core/log.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import {
  type Chromium,
  chromiumMissing,
  decodeH264InBrowser,
  launchChromium,
  openBrowserMaster,
  viewFrames,
} from "../helpers/chromium.ts";
import { samplePictureSize } from "../helpers/browser-interop.ts";
import { startMaster, until } from "../helpers/media-session.ts";

describe("in-process master and viewer with headless Chromium", () => {
  const skip = chromiumMissing();
  let browser: Chromium;
  before(async () => {
    if (skip) return;
    ensureKvsWebrtcSdk();
    browser = await launchChromium({ fakeMedia: true });
  });
  after(() => browser?.close());

  test("the viewer page plays the Master's sample at its size, H.264 and Opus, data-channel echo", {
    skip,
  }, async () => {
    const setup = await startMaster("page-and-master");
    try {
      const url = viewerPageUrl(setup.target.localEndpoint!.url, "page-and-master");
      const page = await viewFrames(browser, url, 100, 30_000);
      await page.evaluate(() => globalThis.kvsrtcViewer.send("hello master"));
      await page.waitForFunction(
        () => globalThis.kvsrtcViewer.received.some((m) => m.includes("hello master")),
        null,
        { timeout: 10_000 },
      );
      const stats = (await page.evaluate(() => globalThis.kvsrtcViewer.stats))!;
      assert.deepEqual({ width: stats.width, height: stats.height }, samplePictureSize());
      assert.ok(stats.audioPackets > 0, `audio packets: ${stats.audioPackets}`);
      assert.deepEqual(stats.codecs, ["video/H264", "audio/opus"]);
      await page.close();
    } finally {
      await setup.stop();
    }
  });

  test("a ViewerClient receives 100 frames from a Chromium master that the browser decodes", {
    skip,
  }, async () => {
    const endpoint = await startLocalEndpoint({ port: 0 });
    const target = await resolveTarget({ endpointUrl: endpoint.url });
    const page = await openBrowserMaster(browser, endpoint.url, "chromium-master");
    const timer = new ConnectionTimer();
    const session = await openSignaling({
      target,
      channel: "chromium-master",
      role: "VIEWER",
      clientId: "in-process-viewer",
      timer,
    });
    const client = new ViewerClient({
      signaling: session.signaling,
      iceServers: session.iceServers,
      clientId: "in-process-viewer",
      bindAddress: "127.0.0.1",
      timer,
      log: silentLog,
    });
    try {
      const frames: Uint8Array[] = [];
      const messages: string[] = [];
      client.on("frame", (au) => frames.push(au.data.slice()));
      client.on("message", (m) => messages.push(m));
      await until(() => frames.length >= 100, 30_000, "100 frames from the Chromium master");
      client.sendMessage("hello browser");
      await until(() => messages.includes("hello browser"), 10_000, "the browser's echo");
      const decoded = await decodeH264InBrowser(page, frames.slice(0, 100), "avc1.42e01f");
      assert.deepEqual(decoded, { decoded: 100, width: 640, height: 480 });
    } finally {
      client.close();
      session.close();
      await page.close();
      await target.close();
      await endpoint.stop();
    }
  });
});
