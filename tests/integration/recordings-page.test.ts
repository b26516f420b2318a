/**
 * The recordings page in real headless Chromium: it plays a stream stored in the local
 * endpoint through the endpoint's own HLS with hls.js (served from the endpoint), H.264 alone
 * and with Opus: the video's currentTime advances and frames are decoded.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import {
  type Chromium,
  chromiumMissing,
  collectPageErrors,
  launchChromium,
  waitForRecordingToPlay,
} from "../helpers/chromium.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import { createTestStream, uploadFragments } from "../helpers/archived-media.ts";

describe("recordings page", { skip: chromiumMissing() }, () => {
  let endpoint: LocalEndpoint;
  let browser: Chromium;
  const startMs = 1_700_000_000_000;

  before(async () => {
    endpoint = await startLocalEndpoint();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await endpoint?.stop();
  });

  test("GET /recordings serves the page, which loads hls.js from the endpoint", async () => {
    const html = await (await fetch(new URL("/recordings", endpoint.url))).text();
    assert.match(html, /<script src="\/page\/hls\.min\.js"><\/script>/);
    assert.match(html, /AWS's HLS\s+plays only H\.264\/H\.265 video with AAC audio/);
    const hls = await fetch(new URL("/page/hls.min.js", endpoint.url));
    assert.equal(hls.status, 200);
    assert.match(hls.headers.get("content-type")!, /^text\/javascript/);
    await hls.body?.cancel();
  });

  for (const audio of [false, true]) {
    test(`a time range of a stream${audio ? " with Opus" : ""} plays: time advances, frames decode`, async () => {
      const name = `recording-${audio ? "opus" : "video"}`;
      const stream = await createTestStream(endpoint, name, "GET_HLS_STREAMING_SESSION_URL");
      await uploadFragments(
        endpoint,
        stream,
        sampleFragments({ startMs, seconds: 6, audio }).fragments,
      );
      const page = await browser.context.newPage();
      const errors = collectPageErrors(page);
      const query = new URLSearchParams({
        stream: name,
        mode: "ON_DEMAND",
        start: new Date(startMs).toISOString(),
        end: new Date(startMs + 60_000).toISOString(),
      });
      await page.goto(new URL(`/recordings?${query}`, endpoint.url).href);
      await waitForRecordingToPlay(page, errors, 30_000);
      const playback = await page.evaluate(() => {
        const video = document.querySelector("video")!;
        return { width: video.videoWidth, height: video.videoHeight };
      });
      assert.deepEqual(playback, { width: 640, height: 480 });
      await page.close();
    });
  }

  test("a live stream plays while it is uploaded: time advances past what was there at first", async () => {
    const name = "recording-live";
    const stream = await createTestStream(endpoint, name, "GET_HLS_STREAMING_SESSION_URL");
    const [first, second, ...later] = sampleFragments({ startMs: Date.now() - 10_000, seconds: 10 })
      .fragments;
    await uploadFragments(endpoint, stream, [first, second]);
    const page = await browser.context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(new URL(`/recordings?stream=${name}&mode=LIVE`, endpoint.url).href);
    const playing = page.waitForFunction(
      () => {
        const video = document.querySelector("video")!;
        return video.currentTime > 2.5 && video.getVideoPlaybackQuality().totalVideoFrames > 60;
      },
      null,
      { timeout: 30_000 },
    );
    // A producer's pace: one fragment a second, while the page plays.
    for (const fragment of later) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await uploadFragments(endpoint, stream, [fragment]);
    }
    try {
      await playing;
    } catch (error) {
      const status = await page.locator("#status").textContent();
      throw new Error(`${(error as Error).message}; page status: ${status}; ${errors.join("; ")}`);
    }
    await page.close();
  });
});
