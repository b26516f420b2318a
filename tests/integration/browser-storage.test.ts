/**
 * The browser master page's "ingest media" in headless Chromium with a fake camera: the page
 * joins the channel's storage session with its own calls (DescribeMediaStorageConfiguration, the
 * WEBRTC endpoint, JoinStorageSession) and answers the media server's offer, H.264 preferred
 * over the fake camera's default VP8; the endpoint's storage peer records it, and the stream's
 * GetMedia output decodes with ffmpeg into at least 100 frames.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { kvsClientFor, type KvsTarget, resolveTarget } from "../../adapters/aws/mod.ts";
import { prepareStorageChannel } from "../../adapters/aws/media-storage.ts";
import { silentLog } from "../../core/log.ts";
import {
  type Chromium,
  chromiumMissing,
  launchChromium,
  openBrowserMaster,
} from "../helpers/chromium.ts";
import { ffmpegMissing } from "../helpers/ffmpeg.ts";
import { decodedFrames } from "../helpers/archived-media.ts";
import { readStreamBack } from "../helpers/stream-readback.ts";
import { until } from "../helpers/media-session.ts";

/** The page's key for the media server's peer (assets/master.js). */
const storageSession = "storage session";

describe("the browser master page's ingest media, recorded by the local storage peer", () => {
  const skip = chromiumMissing() ?? ffmpegMissing();
  let endpoint: LocalEndpoint;
  let target: KvsTarget;
  let browser: Chromium;
  before(async () => {
    if (skip) return;
    ensureKvsWebrtcSdk();
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0, onWarning: () => {} });
    target = await resolveTarget({ endpointUrl: endpoint.url, region: endpoint.region }, {});
    browser = await launchChromium({ fakeMedia: true });
  });
  after(async () => {
    await browser?.close();
    await target?.close();
    await endpoint?.stop();
  });

  test("the fake camera is recorded: GetMedia decodes into at least 100 H.264 frames", {
    skip,
  }, async () => {
    const channel = `ingest-${crypto.randomUUID().slice(0, 8)}`;
    const stream = `${channel}-stream`;
    const { streamArn } = await prepareStorageChannel(kvsClientFor(target, silentLog), channel, {
      stream,
      createStream: true,
    });
    const page = await openBrowserMaster(browser, endpoint.url, channel, { ingestMedia: true });
    const pageState = () => page.evaluate(() => JSON.stringify(globalThis.kvsrtcMaster));
    await page.waitForFunction(
      (key) => globalThis.kvsrtcMaster.viewers[key]?.connectionState === "connected",
      storageSession,
      { timeout: 30_000 },
    ).catch(async (e) => assert.fail(`no storage session: ${await pageState()} ${e}`));
    const storedFrames = () =>
      endpoint.testFragments.fragments(streamArn!).flatMap((f) =>
        f.frames.filter((frame) => frame.track === 1)
      ).length;
    await until(() => storedFrames() >= 130, 30_000, "130 stored video frames");
    const state = await page.evaluate(() => globalThis.kvsrtcMaster);
    assert.equal(state.viewers[storageSession].codec, "video/H264", "H.264 is sent, not VP8");
    await page.close();

    const { bytes } = await readStreamBack(
      endpoint.url,
      endpoint.region,
      endpoint.credentials,
      stream,
    );
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-ingest-"));
    try {
      const file = join(dir, "get-media.mkv");
      writeFileSync(file, bytes);
      const decoded = await decodedFrames(file);
      assert.ok(decoded.h264 >= 100, `${decoded.h264} H.264 frames decoded from GetMedia`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
