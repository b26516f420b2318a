/**
 * The media path in-process (Master, ViewerClient) against headless Chromium, both directions:
 * the viewer page plays the master's sample; a ViewerClient receives a Chromium master's camera
 * and the browser's own decoder (WebCodecs) decodes every frame it got. transport-cc both
 * ways: Chromium as the viewer offers it, kvsrtc answers, and Chromium's feedback drives the
 * master's estimate, which with no bottleneck sits near the stream's bitrate; Chromium as the
 * master sends to a kvsrtc viewer behind a receive-side bottleneck, and the viewer's feedback
 * must be right for Chromium's own estimate, and so its send bitrate, to come down.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import type { ViewerClientOptions } from "../../adapters/viewer/viewer-client.ts";
import { bottleneckArrivals } from "../../adapters/viewer/test-bottleneck.ts";
import type { BandwidthEstimate } from "../../core/congestion/peer-congestion.ts";
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
import { openViewer, startMaster, until } from "../helpers/media-session.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("in-process master and viewer with headless Chromium", () => {
  const skip = chromiumMissing();
  let browser: Chromium;
  before(async () => {
    if (skip) return;
    ensureKvsWebrtcSdk();
    browser = await launchChromium({ fakeMedia: true });
  });
  after(() => browser?.close());

  /** The Chromium master page on an endpoint of its own, and an in-process viewer of it. */
  async function viewChromiumMaster(
    channel: string,
    clientId: string,
    options: Pick<ViewerClientOptions, "arrivals"> = {},
  ) {
    const endpoint = await startLocalEndpoint({ port: 0 });
    const target = await resolveTarget({ endpointUrl: endpoint.url });
    const page = await openBrowserMaster(browser, endpoint.url, channel);
    const viewer = await openViewer({ target }, channel, clientId, options);
    const client = viewer.client;
    const close = async () => {
      viewer.close();
      await page.close();
      await target.close();
      await endpoint.stop();
    };
    return { page, client, close };
  }

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
    const { page, client, close } = await viewChromiumMaster(
      "chromium-master",
      "in-process-viewer",
    );
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
      await close();
    }
  });

  test("Chromium as viewer: its feedback gives an estimate within 2x of the stream's bitrate", {
    skip,
  }, async () => {
    const setup = await startMaster("cc-page-viewer");
    try {
      const estimates: BandwidthEstimate[] = [];
      setup.master.on("bandwidthEstimate", (_id, e) => estimates.push(e));
      const url = viewerPageUrl(setup.target.localEndpoint!.url, "cc-page-viewer");
      const page = await viewFrames(browser, url, 30, 30_000);
      const [session] = setup.master.viewers.values();
      assert.ok(session.congestion, "the master answered transport-cc");
      await until(() => estimates.length > 0, 5_000, "an estimate from Chromium's feedback");
      await sleep(10_000);
      const { estimateBps } = estimates.at(-1)!;
      const streamBps = setup.broadcast.bitrateBps;
      console.log(
        `Chromium viewer: ${estimates.length} estimates, last ${Math.round(estimateBps)} bit/s ` +
          `for a ${Math.round(streamBps)} bit/s stream`,
      );
      assert.ok(
        estimateBps >= streamBps / 2 && estimateBps <= streamBps * 2,
        `estimate ${estimateBps} bit/s, stream ${streamBps} bit/s`,
      );
      const stats = (await page.evaluate(() => globalThis.kvsrtcViewer.stats))!;
      assert.equal(stats.transportCc, true, "the page shows transport-cc");
      await page.close();
    } finally {
      await setup.stop();
    }
  });

  test("Chromium as master: behind a bottleneck, its send bitrate drops toward the capacity", {
    skip,
  }, async () => {
    const { bottleneck, arrivals } = bottleneckArrivals({
      capacityBps: 20_000_000,
      delayMs: 20,
      queueLimitMs: 500,
    });
    const { page, client, close } = await viewChromiumMaster(
      "cc-chromium-master",
      "behind-bottleneck",
      { arrivals },
    );
    /** Chromium's video send bitrate over the next `ms`, from its own getStats. */
    const sendBps = async (ms: number) => {
      const bytes = () =>
        page.evaluate(() =>
          globalThis.kvsrtcMaster.viewers["behind-bottleneck"]?.videoBytesSent ?? 0
        );
      const from = await bytes();
      await sleep(ms);
      return ((await bytes()) - from) * 8 / (ms / 1000);
    };
    try {
      await client.connected();
      await until(() => client.stats.frames >= 30, 20_000, "frames from the Chromium master");
      await sleep(5_000);
      const freeBps = await sendBps(5_000);
      const freeEstimate = await page.evaluate(() =>
        globalThis.kvsrtcMaster.viewers["behind-bottleneck"]?.sendEstimateBps
      );
      // Well below what the fake camera's encoder sends unhindered.
      const capacityBps = Math.round(freeBps / 3);
      bottleneck.capacityBps = capacityBps;
      await sleep(10_000);
      const limitedBps = await sendBps(5_000);
      const estimate = await page.evaluate(() =>
        globalThis.kvsrtcMaster.viewers["behind-bottleneck"]?.sendEstimateBps
      );
      console.log(
        `Chromium master: ${Math.round(freeBps)} bit/s free (its estimate ${freeEstimate}), ` +
          `${Math.round(limitedBps)} bit/s behind ${capacityBps} bit/s (its estimate ` +
          `${estimate}); ` +
          `${client.stats.transportCcFeedbacks} feedbacks sent, ${bottleneck.dropped} dropped`,
      );
      assert.ok(client.stats.transportCcFeedbacks > 0, "the viewer sent transport-cc feedback");
      assert.ok(limitedBps < freeBps, "Chromium sends less behind the bottleneck");
      assert.ok(estimate! < freeEstimate!, "Chromium's own estimate came down with it");
      assert.ok(limitedBps <= 1.5 * capacityBps, `${limitedBps} bit/s, near the capacity`);
    } finally {
      await close();
      bottleneck.stop();
    }
  });
});
