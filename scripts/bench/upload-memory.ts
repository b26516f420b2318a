/**
 * Where the upload's kept memory goes (issue 16), one child process per layout, all fed the
 * sample at the benches' rate into a broadcast (no WebRTC: the master's own cost is the same
 * with or without the upload):
 *   feed      the source and the frame rings, and a target whose API client has been used
 *             (DescribeStream), as the master has;
 *   sink      + the upload's core (fragmenter, MKV pieces, window, acknowledgement parser) writing
 *             into a discarding sink, each fragment acknowledged PERSISTED as it ends;
 *   upload    + the whole upload (PutMediaUploader) to the local endpoint run here.
 * Each child reports, after a full GC, anonymous RSS, the JS heap and (Bun) the JSC heap's
 * object counts, and process.memoryUsage()'s external and array buffer bytes.
 *   bun scripts/bench/upload-memory.ts [--from DIR]
 * --from DIR: the children run DIR's copy of this file (an earlier commit's tree), so two
 * versions of the upload are measured in one run, the same process layout.
 */
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { kvsClientFor } from "../../adapters/aws/target.ts";
import { feedBroadcast } from "../../adapters/media/feed-broadcast.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { PutMediaUploader } from "../../adapters/producer/put-media-uploader.ts";
import { StreamApi } from "../../adapters/producer/stream-api.ts";
import { runtime } from "../../adapters/runtime/mod.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";
import { ProducerUpload } from "../../core/producer/producer-upload.ts";
import * as bench from "./support/bench-process.ts";

const holdMs = 10_000;
/** Windows per child: the first shows the code run once, the later ones what stays. */
const windows = 3;
const ring = { windowUs: 3_000_000 };

type Mode = "feed" | "sink" | "upload";
const modes: Mode[] = ["feed", "sink", "upload"];

/** The core upload with no HTTP: pieces dropped, every ended fragment acknowledged PERSISTED. */
function sinkUpload(broadcast: Broadcast) {
  let upload: ProducerUpload | undefined;
  let connection: ReturnType<ProducerUpload["connect"]> | undefined;
  const encoder = new TextEncoder();
  let sunk = 0;
  broadcast.subscribe((frame) => {
    if (!upload) {
      if (frame.kind !== "video" || !frame.keyframe) return;
      upload = new ProducerUpload({
        video: broadcast.video,
        audio: broadcast.audio,
        startWallMs: Date.now() - Math.round(frame.timeUs / 1000),
        keepsData: true,
        now: () => Date.now(),
      });
      connection = upload.connect();
      for (const piece of connection.start) sunk += piece.length;
    }
    for (const piece of upload.push(frame)) sunk += piece.length;
    for (const fragment of upload.heldFragments) {
      if (!fragment.complete) continue;
      const ack = `{"EventType":"PERSISTED","FragmentTimecode":${fragment.timecodeMs}}\n`;
      connection!.receive(encoder.encode(ack));
    }
  });
  return () => sunk;
}

async function jscHeap(): Promise<Record<string, number>> {
  if (!("Bun" in globalThis)) return {};
  const { heapStats } = await import("bun:jsc");
  const stats = heapStats();
  return { jscHeapSize: stats.heapSize, jscExtraMemory: stats.extraMemorySize };
}

async function runChild(mode: Mode, endpointUrl: string) {
  const rt = await runtime();
  const broadcast = new Broadcast({ ring });
  feedBroadcast(openSource({ fps: bench.benchFps, loop: true }), broadcast, silentLog);
  // Every layout has what the master has before any upload: a target and its API client used.
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  const stream = await new StreamApi(kvsClientFor(target).options).describeOrCreate(
    `probe-${mode}-${Date.now()}`,
    { retentionHours: 1 },
  );
  let written = () => 0;
  if (mode === "sink") written = sinkUpload(broadcast);
  if (mode === "upload") {
    const uploader = new PutMediaUploader({
      target,
      broadcast,
      stream,
      audio: true,
      log: silentLog,
    });
    written = () => uploader.stats()?.bytesWritten ?? 0;
  }
  await bench.serveWindows(async () => {
    const measured = await bench.measureWindow(holdMs, () => rt.collectGarbage());
    const usage = process.memoryUsage();
    return {
      ...measured,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      ...(await jscHeap()),
      written: written(),
    };
  });
}

if (process.argv[2] === "--child") {
  await runChild(process.argv[3] as Mode, process.argv[4]);
} else {
  const { startLocalEndpoint } = await import("../../adapters/local/mod.ts");
  const endpoint = await startLocalEndpoint();
  const from = process.argv.indexOf("--from");
  const files = [import.meta.filename!];
  if (from > 0) files.push(`${process.argv[from + 1]}/scripts/bench/upload-memory.ts`);
  const rows: { file: string; mode: Mode; window: Record<string, number> }[] = [];
  for (const file of files) {
    for (const mode of modes) {
      const child = await bench.startBenchChild(file, ["--child", mode, endpoint.url]);
      for (let i = 0; i < windows; i++) {
        console.error(`  ${file === files[0] ? "this tree" : "--from"}: ${mode}, window ${i + 1}`);
        rows.push({ file, mode, window: await child.window() });
      }
      await child.stop();
    }
  }
  console.log(
    "tree        mode     window  kept anon  JS heap  JSC heap  extra  external  arrayBufs  written (MB)  CPU s/min",
  );
  for (const { file, mode, window: w } of rows) {
    const index = rows.filter((r) => r.file === file && r.mode === mode).indexOf(
      rows.find((r) => r.window === w)!,
    );
    const cells = [
      w.keptRssAnon,
      w.heapUsed,
      w.jscHeapSize ?? 0,
      w.jscExtraMemory ?? 0,
      w.external,
      w.arrayBuffers,
      w.written,
    ].map((v) => bench.mb(v, 2).padStart(9));
    console.log(
      `${(file === files[0] ? "this" : "from").padEnd(11)} ${mode.padEnd(8)} ${
        String(index + 1).padStart(6)
      } ${cells.join(" ")} ${((w.cpuS / w.seconds) * 60).toFixed(2).padStart(10)}`,
    );
  }
  await endpoint.stop();
  process.exit(0);
}
