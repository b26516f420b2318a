/**
 * The built binary, as separate processes: `kvsrtc master` (embedded endpoint, built-in sample)
 * and ten `kvsrtc viewer --out DIR --frames 150`, each writing frames identical to the sample's
 * in order; an eleventh viewer is refused and exits non-zero while the ten go on; with the
 * test-only drop hook, a viewer still writes every frame whole through NACK; with the test-only
 * PLI hook, the GOP the master sends again is not written twice.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { assertSourceOrder } from "../helpers/media-session.ts";
import { sampleFrames } from "../unit/support/samples.ts";

const dir = mkdtempSync(join(tmpdir(), "kvsrtc-e2e-media-"));
const binary = join(dir, "kvsrtc");
copyFileSync(resolve(import.meta.dirname!, "../../dist/kvsrtc-linux-x64"), binary);

function framesIn(out: string): Uint8Array[] {
  return readdirSync(out).filter((f) => f.endsWith(".h264")).sort()
    .map((f) => new Uint8Array(readFileSync(join(out, f))));
}

describe("kvsrtc master and viewers as separate processes (the binary)", () => {
  const processes: KvsrtcProcess[] = [];
  const run = (args: string[], env?: Record<string, string>) => {
    const p = runKvsrtc(args, { binary, cwd: dir, env });
    processes.push(p);
    return p;
  };
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function startMaster(channel: string, env?: Record<string, string>) {
    const master = run(["master", "--channel", channel], env);
    const [, url] = await master.waitFor(
      /view it with: kvsrtc viewer --endpoint-url (http:\/\/127\.0\.0\.1:\d+)/,
      30_000,
    );
    return { master, url };
  }

  const runViewer = (url: string, channel: string, args: string[], env?: Record<string, string>) =>
    run(["viewer", "--endpoint-url", url, "--channel", channel, ...args], env);

  test("ten viewers write 150 frames each, identical to the sample in order; an 11th is refused", async () => {
    const channel = "e2e-ten";
    const { master, url } = await startMaster(channel);
    const outs = Array.from({ length: 10 }, (_, i) => join(dir, `viewer-${i}`));
    const viewers = outs.map((out, i) =>
      runViewer(url, channel, ["--client-id", `viewer-${i}`, "--out", out, "--frames", "150"])
    );
    await Promise.all(viewers.map((v) => v.waitFor(/connected to the master/, 30_000)));
    const eleventh = runViewer(url, channel, ["--frames", "1"]);
    assert.equal(await eleventh.exited, 1, eleventh.output.stderr);
    assert.match(eleventh.output.stderr, /refused/);
    const codes = await Promise.all(viewers.map((v) => v.exited));
    codes.forEach((code, i) => assert.equal(code, 0, viewers[i].output.stderr));
    for (const out of outs) {
      const frames = framesIn(out);
      assert.equal(frames.length, 150);
      assert.equal(assertSourceOrder(frames, sampleFrames) % 30, 0, "starts on a keyframe");
      assert.ok(readdirSync(out).some((f) => f.endsWith(".opus")), "audio packets written too");
    }
    assert.match(master.output.stderr, /viewer viewer-9 connected/);
    assert.equal(await master.stop(), 0);
  });

  test("with the test-only drop hook, every frame still arrives whole through NACK", async () => {
    const channel = "e2e-loss";
    const { master, url } = await startMaster(channel, {
      KVSRTC_TEST_ONLY_DROP_EVERY_NTH_VIDEO_RTP: "10",
    });
    const out = join(dir, "lossy");
    const viewer = runViewer(url, channel, ["--out", out, "--frames", "90"]);
    assert.equal(await viewer.exited, 0, viewer.output.stderr);
    assertSourceOrder(framesIn(out), sampleFrames);
    const [, lost, nacks] = /; (\d+) packets lost, (\d+) NACKs/.exec(viewer.output.stderr)!;
    assert.ok(Number(lost) === 0 && Number(nacks) > 0, `lost ${lost}, NACKs ${nacks}`);
    await master.stop();
  });

  test("after a PLI, the GOP the master sends again is skipped: 120 frames, none twice", async () => {
    const channel = "e2e-pli";
    const { master, url } = await startMaster(channel);
    const out = join(dir, "pli");
    const args = ["--client-id", "pli", "--out", out, "--frames", "120"];
    const viewer = runViewer(url, channel, args, { KVSRTC_TEST_ONLY_PLI_AFTER_FRAMES: "45" });
    assert.equal(await viewer.exited, 0, viewer.output.stderr);
    const frames = framesIn(out);
    assert.equal(frames.length, 120);
    assertSourceOrder(frames, sampleFrames); // contiguous, so no frame written twice
    const stderr = viewer.output.stderr;
    const [, repeated] = /received 120 frames \(and (\d+) repeated ones, skipped\)/.exec(stderr) ??
      assert.fail(`no repeated frames reported:\n${stderr}`);
    assert.ok(Number(repeated) >= 1, `${repeated} repeated`);
    assert.match(stderr, /; \d+ packets lost, \d+ NACKs, 1 PLIs/);
    assert.equal(await master.stop(), 0);
    const [, restarts] =
      /viewer pli left: .*, (\d+) keyframe restarts/.exec(master.output.stderr) ??
        assert.fail(`the master said nothing of its keyframe restarts:\n${master.output.stderr}`);
    assert.ok(Number(restarts) >= 1, `${restarts} keyframe restarts`);
  });

  test("kvsrtc metrics on a channel a master serves takes it over; that master says so, keeps running and does not take it back", async () => {
    const { master, url } = await startMaster("e2e-takeover");
    const metrics = run(["metrics", "--endpoint-url", url, "--channel", "e2e-takeover"]);
    assert.equal(await metrics.exited, 0, `${metrics.output.stdout}\n${metrics.output.stderr}`);
    assert.match(metrics.output.stdout, /1 connection on channel e2e-takeover/);
    await master.waitFor(/another master connected to channel e2e-takeover and took it over/, 5000);
    assert.doesNotMatch(master.output.stderr, /reconnect/);
    const still = await Promise.race([
      master.exited,
      new Promise((r) => setTimeout(() => r("running"), 500)),
    ]);
    assert.equal(still, "running", "the master (and its embedded endpoint) keeps running");
    assert.equal(await master.stop(), 0);
  });

  test("a viewer with no master on the channel exits 1 saying so", async () => {
    const { master, url } = await startMaster("e2e-other");
    const viewer = runViewer(url, "e2e-no-master", ["--timeout", "3"]);
    assert.equal(await viewer.exited, 1);
    assert.match(viewer.output.stderr, /kvsrtc viewer: /);
    await master.stop();
  });
});
