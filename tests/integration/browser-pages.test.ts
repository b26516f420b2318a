/**
 * The local endpoint's browser pages in real headless Chromium: the browser master page streams
 * a fake camera, the viewer page plays it, both speaking KVS signaling through the official KVS
 * WebRTC JS SDK bundle that the endpoint serves, and the endpoint's page signer.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import type { LocalEndpoint } from "../../adapters/local/mod.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import { join } from "node:path";
import {
  blankReason,
  type Chromium,
  chromiumMissing,
  imageStats,
  launchChromium,
  openBrowserMaster,
  testArtifacts,
  viewFrames,
} from "../helpers/chromium.ts";

describe("browser pages served by the local endpoint", () => {
  let endpoint: LocalEndpoint;
  before(async () => {
    ensureKvsWebrtcSdk();
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
  });
  after(() => endpoint?.stop());

  test("GET / serves the viewer page, which loads the KVS WebRTC JS SDK 2.9.0 from the endpoint", async () => {
    const page = await fetch(new URL("/", endpoint.url));
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    const html = await page.text();
    assert.match(html, /<script src="\/page\/kvs-webrtc\.min\.js"><\/script>/);
    const sdk = await fetch(new URL("/page/kvs-webrtc.min.js", endpoint.url));
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get("content-type")!, /^text\/javascript/);
    assert.match(
      await sdk.text(),
      /^\/\* Amazon Kinesis Video Streams WebRTC SDK for JavaScript v2\.9\.0/,
    );
  });

  test("an unknown page file is a 404", async () => {
    const r = await fetch(new URL("/page/no-such-file.js", endpoint.url));
    assert.equal(r.status, 404);
    assert.match(await r.text(), /no page file no-such-file\.js/);
  });

  test("the page signer refuses to sign for a host that is not loopback", async () => {
    const r = await fetch(new URL("/page/sign", endpoint.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "post", url: "http://192.0.2.7/describeSignalingChannel" }),
    });
    assert.equal(r.status, 400);
    assert.match((await r.json()).message, /192\.0\.2\.7 is not a loopback host/);
  });

  test("a signed request from the page signer is accepted by the endpoint", async () => {
    const url = new URL("/listSignalingChannels", endpoint.url).href;
    const body = JSON.stringify({ MaxResults: 10 });
    const signed = await fetch(new URL("/page/sign", endpoint.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "post", url, body }),
    });
    assert.equal(signed.status, 200);
    const { headers } = await signed.json();
    assert.match(headers.authorization, /^AWS4-HMAC-SHA256 Credential=/);
    const list = await fetch(url, { method: "POST", headers, body });
    assert.equal(list.status, 200, await list.clone().text());
    assert.ok(Array.isArray((await list.json()).ChannelInfoList));
    const unsigned = await fetch(url, { method: "POST", body });
    assert.equal(unsigned.status, 403);
    await unsigned.body?.cancel();
  });
});

describe("browser master page -> viewer page through the local endpoint", () => {
  const skip = chromiumMissing();
  const artifacts = testArtifacts();
  let endpoint: LocalEndpoint;
  let browser: Chromium;
  before(async () => {
    if (skip) return;
    ensureKvsWebrtcSdk();
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
    browser = await launchChromium({ fakeMedia: true });
  });
  after(async () => {
    await browser?.close();
    await endpoint?.stop();
  });

  test("the viewer page names a channel that does not exist", { skip }, async () => {
    const page = await browser.context.newPage();
    await page.goto(viewerPageUrl(endpoint.url, "no-such-channel"));
    await page.waitForFunction(() => globalThis.kvsrtcViewer?.status === "failed", null, {
      timeout: 10_000,
    });
    assert.match(
      await page.locator("#status").textContent() ?? "",
      /describeSignalingChannel: ResourceNotFoundException: .*no-such-channel/,
    );
    await page.close();
  });

  test("the viewer page plays the fake camera (H.264 640x480) with audio and a data-channel echo", {
    skip,
  }, async () => {
    const channel = `pages-${Date.now()}`;
    const master = await openBrowserMaster(browser, endpoint.url, channel);

    const viewer = await viewFrames(browser, viewerPageUrl(endpoint.url, channel), 30, 30_000);
    const text = `ping ${crypto.randomUUID()}`;
    await viewer.evaluate((t) => globalThis.kvsrtcViewer.send(t), text);
    await viewer.waitForFunction((t) => globalThis.kvsrtcViewer.received.includes(t), text, {
      timeout: 10_000,
    });
    const stats = (await viewer.evaluate(() => globalThis.kvsrtcViewer.stats))!;
    assert.equal(stats.width, 640);
    assert.equal(stats.height, 480);
    assert.ok(stats.audioPackets > 0, `audio packets: ${stats.audioPackets}`);
    assert.deepEqual(stats.codecs, ["video/H264", "audio/opus"]);
    const screenshot = await viewer.locator("#remote").screenshot({
      path: join(artifacts, "browser-master-to-viewer-page.png"),
    });
    const image = await imageStats(viewer, screenshot);
    assert.equal(blankReason(image), undefined, "the screenshot of the video is blank");
    const masterState = await master.evaluate(() => globalThis.kvsrtcMaster);
    assert.deepEqual(masterState.received.map((m: { text: string }) => m.text), [text]);
    await viewer.close();
    await master.close();
  });
});
