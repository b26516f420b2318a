/**
 * Headless Chromium views a `kvsrtc master` process fed by one GStreamer pipeline muxing H.264
 * and Opus into Matroska, and decodes both tracks: pictures at the pipeline's size, and audio
 * samples that are not concealment.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import { type Chromium, chromiumMissing, launchChromium, viewFrames } from "../helpers/chromium.ts";
import { gstreamerMissing } from "../helpers/gstreamer.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

const pipeline = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! " +
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! " +
  "video/x-h264,profile=constrained-baseline ! h264parse ! " +
  "matroskamux name=mux streamable=true ! fdsink fd=1 " +
  "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! mux.";

describe("headless Chromium views a master fed by a muxed gst: pipeline", {
  skip: chromiumMissing() ?? gstreamerMissing(),
}, () => {
  let browser: Chromium;
  let master: KvsrtcProcess;
  before(async () => {
    ensureKvsWebrtcSdk();
    browser = await launchChromium();
    // The page keeps its peer connection to itself: keep each one made, to read its stats.
    await browser.context.addInitScript(() => {
      const Native = globalThis.RTCPeerConnection;
      const made: RTCPeerConnection[] = [];
      Object.assign(globalThis, { madePeerConnections: made });
      globalThis.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super(config);
          made.push(this);
        }
      };
    });
  });
  after(async () => {
    await master?.stop();
    await browser?.close();
  });

  test("it decodes the pictures and the audio", async () => {
    const channel = `browser-gst-${Date.now()}`;
    master = runKvsrtc(["master", "--source", `gst:${pipeline}`, "--channel", channel]);
    const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const page = await viewFrames(
      browser,
      viewerPageUrl(url, channel),
      75,
      30_000,
      () => master.output.stderr,
    );
    const stats = (await page.evaluate(() => globalThis.kvsrtcViewer.stats))!;
    assert.deepEqual({ width: stats.width, height: stats.height }, { width: 320, height: 240 });
    assert.deepEqual(stats.codecs, ["video/H264", "audio/opus"]);
    const audio = await page.evaluate(async () => {
      const made = (globalThis as unknown as { madePeerConnections: RTCPeerConnection[] })
        .madePeerConnections;
      let samples = 0;
      let concealed = 0;
      for (const pc of made) {
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio") {
            samples += s.totalSamplesReceived ?? 0;
            concealed += s.concealedSamples ?? 0;
          }
        });
      }
      return { samples, concealed };
    });
    // 75 frames are 3 s: at least 1 s of the tone decoded, not made up for lost packets.
    assert.ok(audio.samples - audio.concealed >= 48_000, JSON.stringify(audio));
    await page.close();
  });
});
