/**
 * Upload benchmark (seed 000) on loopback, measured in one run:
 *   (a) RSS of one `master --stream` process (WebRTC viewers and a PutMedia upload from the
 *       same frame rings) with 0, 1, 5 and 10 viewers, against the master alone, against the
 *       master plus a separate producer process (the sum of both), and against a baseline
 *       master whose upload copies each frame into a ring of its own first, as a separate
 *       producer SDK does (its content store): what the upload adds to the master;
 *   (b) the producer's CPU per minute of upload, in real time at ~2 Mbit/s;
 *   (c) the upload's throughput as fast as the endpoint takes it (the sample's frames pushed
 *       with no pacing, a few fragments ahead of the acknowledgements).
 * Every process measured is a child (this file with --child MODE) so its RSS and CPU are its
 * own; the viewers and the local endpoint run here.   bun scripts/bench/producer.ts
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
import { sampleFrames } from "../../tests/unit/support/samples.ts";
import * as bench from "./support/bench-process.ts";

const channel = "bench-upload";
/** Each viewer count is measured this long (the media bench holds 20 s; four designs here). */
const holdMs = 10_000;
const ring = { windowUs: 3_000_000 };
/** Media the throughput run uploads: the sample looped, at 30 fps media time. */
const throughputFrames = 1_800;

type Mode = "master" | "master-stream" | "master-copy" | "producer";

interface Window extends bench.MemoryWindow {
  viewers: number;
  /** Bytes in the frame rings (both designs' rings, for the copying baseline). */
  ringBytes: number;
  /** PutMedia body bytes written and fragments persisted during the window. */
  uploadedBytes: number;
  fragmentsPersisted: number;
}

async function stream(target: Awaited<ReturnType<typeof resolveTarget>>, name: string) {
  return await new StreamApi(kvsClientFor(target).options).describeOrCreate(name, {
    retentionHours: 1,
  });
}

/** The bench-only baseline: each frame copied into a ring of the upload's own. */
function copyingInto(from: Broadcast): Broadcast {
  const copy = new Broadcast({ ring });
  from.subscribe((frame) => {
    const bytes = frame.bytes.slice();
    if (frame.kind === "video") copy.pushVideo(bytes, frame.timeUs);
    else copy.pushAudio(bytes, frame.timeUs);
  });
  return copy;
}

async function runChild(mode: Mode, endpointUrl: string) {
  const rt = await runtime();
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  const source = openSource({ fps: bench.benchFps, loop: true });
  const upload = { stream: await stream(target, `bench-${mode}`), audio: true };
  let viewers = () => 0;
  let rings: Broadcast[];
  let uploader: PutMediaUploader | undefined;
  if (mode === "producer") {
    const broadcast = new Broadcast({ ring });
    uploader = new PutMediaUploader({ ...upload, target, broadcast, log: silentLog });
    feedBroadcast(source, broadcast, silentLog);
    rings = [broadcast];
  } else {
    const running = await bench.startBenchMaster({
      target,
      channel,
      source,
      ring,
      ...(mode === "master-stream" ? { upload } : {}),
    });
    viewers = () => running.master.viewers.size;
    rings = [running.broadcast];
    uploader = running.uploader;
    if (mode === "master-copy") {
      const copy = copyingInto(running.broadcast);
      uploader = new PutMediaUploader({ ...upload, target, broadcast: copy, log: silentLog });
      rings.push(copy);
    }
  }
  const uploaded = () => uploader?.stats() ?? { bytesWritten: 0, fragmentsPersisted: 0 };
  await bench.serveWindows(async (): Promise<Window> => {
    const start = uploaded();
    const measured = await bench.measureWindow(holdMs, () => rt.collectGarbage());
    const end = uploaded();
    return {
      ...measured,
      viewers: viewers(),
      ringBytes: rings.reduce((n, b) => n + b.video.bytes + b.audio.bytes, 0),
      uploadedBytes: end.bytesWritten - start.bytesWritten,
      fragmentsPersisted: end.fragmentsPersisted - start.fragmentsPersisted,
    };
  });
}

/** One design's windows with 0, 1, 5 and 10 viewers. */
async function withViewers(endpointUrl: string, mode: Mode) {
  const child = await bench.startBenchChild(import.meta.filename!, ["--child", mode, endpointUrl]);
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  await bench.sleep(3000); // the first fragments go up and are persisted
  const rows: Window[] = [];
  const viewers: Awaited<ReturnType<typeof bench.openBenchViewer>>[] = [];
  for (const count of [0, 1, 5, 10]) {
    while (viewers.length < count) {
      viewers.push(await bench.openBenchViewer(target, channel, `${mode}-${viewers.length}`));
    }
    await Promise.all(viewers.map((v) => v.firstFrameMs));
    await bench.sleep(1000);
    console.error(`    ${mode}: ${count} viewers, measuring for ${holdMs / 1000} s`);
    const window = await child.window<Window>();
    if (window.viewers !== count) {
      throw new Error(`${mode}: ${window.viewers} viewers, not ${count}`);
    }
    rows.push(window);
  }
  for (const v of viewers) v.close();
  await child.stop();
  await target.close();
  return rows;
}

/** The producer process on its own: one window, no viewers. */
async function producerAlone(endpointUrl: string): Promise<Window> {
  const child = await bench.startBenchChild(import.meta.filename!, [
    "--child",
    "producer",
    endpointUrl,
  ]);
  await bench.sleep(3000);
  console.error(`    producer: measuring for ${holdMs / 1000} s`);
  const window = await child.window<Window>();
  await child.stop();
  return window;
}

/** The upload path fed as fast as the endpoint acknowledges: MB/s of PutMedia body. */
async function throughput(endpointUrl: string) {
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  const broadcast = new Broadcast();
  const uploader = new PutMediaUploader({
    stream: await stream(target, "bench-throughput"),
    audio: false,
    target,
    broadcast,
    log: silentLog,
  });
  const startedAt = performance.now();
  for (let i = 0; i < throughputFrames; i++) {
    // A few fragments ahead of the acknowledgements: the request's queue stays bounded.
    while ((uploader.stats()?.heldFragments ?? 0) > 3) await bench.sleep(1);
    broadcast.pushVideo(sampleFrames[i % sampleFrames.length], Math.round((i * 1e6) / 30));
  }
  await uploader.stop(30_000);
  const seconds = (performance.now() - startedAt) / 1000;
  const stats = uploader.stats()!;
  await target.close();
  return { seconds, bytes: stats.bytesWritten, persisted: stats.fragmentsPersisted };
}

if (process.argv[2] === "--child") {
  await runChild(process.argv[3] as Mode, process.argv[4]);
} else {
  // Imported here: the masters' child processes run this file too (see media.ts).
  const { startLocalEndpoint } = await import("../../adapters/local/mod.ts");
  const endpoint = await startLocalEndpoint();
  const alone = await withViewers(endpoint.url, "master");
  const shared = await withViewers(endpoint.url, "master-stream");
  const copying = await withViewers(endpoint.url, "master-copy");
  const producer = await producerAlone(endpoint.url);
  const fast = await throughput(endpoint.url);
  console.log(
    `(a) RSS at ~2 Mbit/s (${bench.benchFps} fps sample), MB: mean over ${
      holdMs / 1000
    } s / anonymous ` +
      "RSS after a full GC (what is kept)",
  );
  console.log(
    "    viewers   master alone   master --stream   master + producer   copying baseline",
  );
  const cell = (mean: number, kept: number, width: number) =>
    `${bench.mb(mean)} / ${bench.mb(kept)}`.padStart(width);
  alone.forEach((a, i) =>
    console.log(
      `    ${String(a.viewers).padStart(7)}   ${cell(a.rssMean, a.keptRssAnon, 12)}   ${
        cell(shared[i].rssMean, shared[i].keptRssAnon, 15)
      }   ${cell(a.rssMean + producer.rssMean, a.keptRssAnon + producer.keptRssAnon, 17)}   ${
        cell(copying[i].rssMean, copying[i].keptRssAnon, 16)
      }`,
    )
  );
  const added = (rows: Window[], key: "rssMean" | "keptRssAnon") =>
    rows.map((r, i) => r[key] - alone[i][key]);
  const list = (values: number[]) => values.map((v) => bench.mb(v, 2)).join("/");
  const mean = (values: number[]) => values.reduce((a, b) => a + b) / values.length;
  for (const key of ["rssMean", "keptRssAnon"] as const) {
    const sharedAdds = added(shared, key);
    const copyAdds = added(copying, key);
    console.log(
      `    the upload adds (${key === "rssMean" ? "mean RSS" : "kept"}, 0/1/5/10 viewers): ` +
        `shared ring ${list(sharedAdds)} MB, separate producer ${
          bench.mb(producer[key], 1)
        } MB, copying baseline ${list(copyAdds)} MB; baseline / shared ${
          (mean(copyAdds) / Math.max(mean(sharedAdds), 1)).toFixed(1)
        }x (goal: <= 1 MB, >= 2x less than the baseline)`,
    );
  }
  console.log(
    `    frame rings at 10 viewers: shared ${
      bench.mb(shared[3].ringBytes)
    } MB, baseline (both rings) ` +
      `${bench.mb(copying[3].ringBytes)} MB; fragments persisted during its window: ` +
      `${shared[3].fragmentsPersisted} / ${copying[3].fragmentsPersisted}`,
  );
  console.log(
    `    JS heap after a full GC, 0/1/5/10 viewers, MB: master alone ${
      list(alone.map((w) => w.heapUsed))
    }, master --stream ${list(shared.map((w) => w.heapUsed))}, copying baseline ${
      list(copying.map((w) => w.heapUsed))
    }`,
  );
  const uploadKbps = (producer.uploadedBytes * 8) / 1000 / producer.seconds;
  const cpuPerMinute = (w: Window) => ((w.cpuS / w.seconds) * 60).toFixed(2);
  console.log(
    `(b) producer CPU per minute of upload: ${cpuPerMinute(producer)} s (the sample at ` +
      `${bench.benchFps} fps, ~${uploadKbps.toFixed(0)} kbit/s uploaded; it reads and paces the ` +
      `sample too); with no viewer, master alone ${cpuPerMinute(alone[0])} s, master --stream ` +
      `${cpuPerMinute(shared[0])} s, copying baseline ${cpuPerMinute(copying[0])} s`,
  );
  console.log(
    `(c) upload throughput on loopback, as fast as the endpoint acknowledges: ` +
      `${(fast.bytes / 1e6 / fast.seconds).toFixed(1)} MB/s (${
        (fast.bytes / 1e6).toFixed(1)
      } MB, ${fast.persisted} fragments persisted, in ${fast.seconds.toFixed(1)} s; ` +
      `${((throughputFrames / 30) / fast.seconds).toFixed(0)}x real time)`,
  );
  await endpoint.stop();
  process.exit(0);
}
