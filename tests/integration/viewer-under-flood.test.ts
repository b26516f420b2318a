/**
 * A `kvsrtc viewer` process against a hostile master (tests/helpers/hostile-master.ts) that
 * floods it with corrupt and oversized RTP, corrupt RTCP, audio and data-channel messages as
 * fast as loopback takes them: its memory stays under 150 MB, its timers keep running (a status
 * line every second), SIGTERM or SIGINT ends it within 2 s, `--duration` ends it on time, and
 * `--out` holds only whole frames within its byte bound.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KvsTarget, resolveTarget } from "../../adapters/aws/mod.ts";
import { defaultMaxAccessUnitBytes } from "../../core/rtp/h264-depacketizer.ts";
import { type HostileMaster, startHostileMaster } from "../helpers/hostile-master.ts";
import { runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { mb, sampleResident } from "../helpers/process-memory.ts";

const maxViewerRss = 150e6;
/**
 * Held on both runtimes. On Deno it was not, until output stopped blocking (cli/output.ts): the
 * viewer printed each 64 KiB data-channel message with console.log, which waited for this busy
 * process to read the pipe, and the flood's packets piled up in node-datachannel's queue
 * meanwhile (so it was measured on a master: up to 10.9 s of them), to peaks of 129-276 MB in
 * 4 tests, 140-220 MB before. Measured since, on a loaded
 * 2-core machine (load 9-17): Deno 100-112 MB in 8 tests, Bun 85 MB; SIGTERM and SIGINT ended
 * it in 101-475 ms on Deno, 18-98 ms on Bun.
 */
function assertRss(peakBytes: number, printed: string) {
  assert.ok(peakBytes < maxViewerRss, `peak RSS ${mb(peakBytes)}\n${printed}`);
}
const stopWithinMs = 2000;
const statusLine = /^(\d+) s: .* fps, /gm;
/** The --max-out-mb the flood test gives: a flood of tiny frames and audio reaches it. */
const outMb = 20;

describe("a viewer flooded by a hostile master", () => {
  let target: KvsTarget;
  const masters: HostileMaster[] = [];
  before(async () => {
    target = await resolveTarget({}, {});
  });
  after(async () => {
    for (const m of masters) m.close();
    await target.close();
  });

  /** A hostile master on a new channel and a viewer process connected to it. */
  async function floodedViewer(name: string, floodMs: number, args: string[] = []) {
    const channel = `${name}-${crypto.randomUUID().slice(0, 8)}`;
    const master = await startHostileMaster({ target, channel, floodMs, dataChannelFlood: true });
    masters.push(master);
    const { accessKeyId, secretAccessKey } = await target.credentials.get();
    const viewer = runKvsrtc(
      ["viewer", "--endpoint-url", target.controlPlaneUrl, "--channel", channel, ...args],
      {
        env: {
          AWS_ACCESS_KEY_ID: accessKeyId,
          AWS_SECRET_ACCESS_KEY: secretAccessKey,
          AWS_REGION: target.region,
        },
      },
    );
    const rss = sampleResident(viewer.child.pid!);
    await viewer.waitFor(/connected to the master/, 20_000);
    return { master, viewer, rss, connectedAt: performance.now() };
  }

  /** Sends `signal` and resolves with the exit code and how long the exit took. */
  async function stopBy(p: ReturnType<typeof runKvsrtc>, signal: "SIGTERM" | "SIGINT") {
    const sent = performance.now();
    process.kill(p.child.pid!, signal);
    const code = await p.exited;
    return { code, tookMs: performance.now() - sent };
  }

  test("stays under 150 MB RSS for 12 s of flood, prints its status every second, and writes only whole frames within its byte bound to --out; SIGTERM ends it within 2 s", async () => {
    const out = mkdtempSync(join(tmpdir(), "kvsrtc-flood-"));
    const { master, viewer, rss } = await floodedViewer("rss", 15_000, [
      ...["--out", out, "--max-out-mb", String(outMb)],
    ]);
    await new Promise((r) => setTimeout(r, 12_000));
    const statusSeconds = [...viewer.output.stderr.matchAll(statusLine)].map((m) => Number(m[1]));
    const { code, tookMs } = await stopBy(viewer, "SIGTERM");
    rss.stop();
    const printed = viewer.output.stderr.slice(-3000);
    assert.ok(master.stats.packets > 50_000, `the flood sent ${master.stats.packets} packets`);
    assert.ok(rss.samples > 40, `${rss.samples} RSS samples`);
    assertRss(rss.peakBytes, printed);
    // Every second has its line (none skipped: the event loop is not starved); the count is
    // loose because the first lines wait for the connection, which load on the machine slows.
    const skipped = statusSeconds.filter((s, i) => i > 0 && s !== statusSeconds[i - 1] + 1);
    assert.ok(
      statusSeconds.length >= 6 && skipped.length === 0,
      `status lines for seconds ${statusSeconds.join(", ")} in 12 s of flood\n${printed}`,
    );
    assert.equal(code, 0, printed);
    assert.ok(tookMs < stopWithinMs, `SIGTERM took ${tookMs.toFixed(0)} ms to end it`);

    let bytes = 0;
    for (const file of readdirSync(out)) {
      const size = statSync(join(out, file)).size;
      bytes += size;
      assert.match(file, /^(frame-\d{4,}\.h264|audio-\d{4,}\.opus)$/);
      if (file.endsWith(".h264")) {
        const frame = readFileSync(join(out, file));
        assert.ok(size <= defaultMaxAccessUnitBytes, `${file}: ${size} bytes`);
        assert.deepEqual([...frame.subarray(0, 4)], [0, 0, 0, 1], `${file} starts a NAL unit`);
      }
    }
    assert.ok(bytes <= outMb * 2 ** 20, `--out holds ${mb(bytes)}`);
  });

  test("SIGINT in the middle of the flood ends it within 2 s", async () => {
    const { viewer, rss } = await floodedViewer("sigint", 15_000);
    await new Promise((r) => setTimeout(r, 4_000));
    const { code, tookMs } = await stopBy(viewer, "SIGINT");
    rss.stop();
    assert.equal(code, 0, viewer.output.stderr.slice(-3000));
    assert.ok(tookMs < stopWithinMs, `SIGINT took ${tookMs.toFixed(0)} ms to end it`);
    assertRss(rss.peakBytes, viewer.output.stderr.slice(-3000));
  });

  test("--duration 5 ends it 5 s after it connected, flood or not", async () => {
    const { viewer, connectedAt } = await floodedViewer("duration", 15_000, ["--duration", "5"]);
    const code = await Promise.race([
      viewer.exited,
      new Promise((r) => setTimeout(() => r("still running"), 9_000)),
    ]);
    const tookMs = performance.now() - connectedAt;
    if (code === "still running") await viewer.stop();
    assert.equal(code, 0, viewer.output.stderr.slice(-3000));
    assert.ok(tookMs > 4_500 && tookMs < 5_000 + stopWithinMs, `it ended after ${tookMs} ms`);
  });
});
