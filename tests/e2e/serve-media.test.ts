/**
 * The x64 binary's endpoint, alone in an empty directory: media uploaded with PutMedia plays
 * back through its HLS (mediabunny's packaging, inside the binary) and its recordings page
 * serves hls.js from the binary; and `kvsrtc producer --duration 20` there uploads the built-in
 * sample to its embedded endpoint, whose page (the URL it prints) plays it while it runs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateStreamCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { localCredentialPair } from "../../adapters/local/mod.ts";
import { decodedFrames } from "../helpers/archived-media.ts";
import { ffmpegMissing } from "../helpers/ffmpeg.ts";
import {
  chromiumMissing,
  collectPageErrors,
  launchChromium,
  waitForRecordingToPlay,
} from "../helpers/chromium.ts";
import { runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { uploadFragments } from "../helpers/put-media-client.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";

/** A copy of the x64 binary alone in a new empty directory. */
function isolatedBinary(dir: string): string {
  const bin = join(dir, "kvsrtc");
  copyFileSync(resolve(import.meta.dirname!, "../../dist/kvsrtc-linux-x64"), bin);
  return bin;
}

describe("the binary's endpoint plays back what PutMedia stored", { skip: ffmpegMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-e2e-media-"));
  let serve: ChildProcess;
  let url = "";

  before(async () => {
    const bin = isolatedBinary(dir);
    serve = spawn(bin, ["serve", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    serve.stdout!.on("data", (d) => (stdout += d));
    const deadline = Date.now() + 30_000;
    while (!/clients:/.test(stdout)) {
      if (Date.now() > deadline) throw new Error(`serve did not start: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = /at (http:\/\/\S+) /.exec(stdout)![1];
  });
  after(() => {
    serve?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("an upload of the sample with Opus decodes whole through HLS (fMP4)", async () => {
    const client = { endpoint: url, region: "us-west-2", credentials: localCredentialPair };
    await new KinesisVideoClient(client).send(
      new CreateStreamCommand({ StreamName: "e2e", DataRetentionInHours: 1 }),
    );
    const startMs = 1_700_000_000_000;
    const sample = sampleFragments({ startMs, seconds: 4, audio: true });
    await uploadFragments(
      { url, region: "us-west-2", credentials: localCredentialPair },
      "e2e",
      sample.fragments,
      sample.tracks,
    );
    const { HLSStreamingSessionURL } = await new KinesisVideoArchivedMediaClient(client).send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: "e2e",
        PlaybackMode: "ON_DEMAND",
        HLSFragmentSelector: {
          FragmentSelectorType: "PRODUCER_TIMESTAMP",
          TimestampRange: {
            StartTimestamp: new Date(startMs),
            EndTimestamp: new Date(startMs + 60_000),
          },
        },
      }),
    );
    assert.deepEqual(await decodedFrames(HLSStreamingSessionURL!), {
      h264: sample.frames.filter((f) => f.track === 1).length,
      opus: sample.frames.filter((f) => f.track === 2).length,
    });
  });

  test("the recordings page and its hls.js come from the binary", async () => {
    const page = await fetch(`${url}/recordings`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /hls\.min\.js/);
    const script = await fetch(`${url}/page/hls.min.js`);
    assert.equal(script.status, 200);
    assert.ok((await script.text()).length > 100_000, "the whole hls.js bundle");
  });
});

describe("the binary's producer with no flags but --duration", { skip: chromiumMissing() }, () => {
  test("uploads the sample to the embedded endpoint, whose page plays it; exits 0 after 20 s", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-e2e-producer-"));
    const browser = await launchChromium();
    try {
      const p = runKvsrtc(["producer", "--duration", "20"], {
        binary: isolatedBinary(dir),
        cwd: dir,
      });
      const [, pageUrl] = await p.waitFor(/watch it at (http:\/\/\S+)/, 30_000);
      const page = await browser.context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(pageUrl);
      await waitForRecordingToPlay(page, errors, 18_000);
      await page.close();
      assert.equal(await p.exited, 0, p.output.stderr);
      assert.match(p.output.stdout, /fragments sent \d+, acknowledged \d+, persisted [1-9]/);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
