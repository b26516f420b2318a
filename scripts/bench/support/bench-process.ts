/**
 * What the benchmarks that measure a process of their own share: the child side (a window of
 * RSS samples, CPU time and what a full collection keeps, one per line asked on stdin), the
 * parent side that starts such a child and asks it, and a master and viewers to connect to it.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { openSignaling } from "../../../adapters/aws/mod.ts";
import type { KvsTarget } from "../../../adapters/aws/target.ts";
import { startMaster, type StartMasterOptions } from "../../../adapters/master/start-master.ts";
import { ViewerClient } from "../../../adapters/viewer/viewer-client.ts";
import { silentLog } from "../../../core/log.ts";

/** The built-in sample at this rate is ~2 Mbit/s of video and audio, what the benches send. */
export const benchFps = 50;

/** RSS is sampled this often within a window. */
export const rssSampleMs = 250;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mb = (bytes: number, digits = 1) => (bytes / 2 ** 20).toFixed(digits);

/** RSS, its anonymous part (not code or files paged in), and the JS heap in use, in bytes. */
export function memory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))![1]);
  return {
    rss: kb("VmRSS") * 1024,
    rssAnon: kb("RssAnon") * 1024,
    heapUsed: process.memoryUsage().heapUsed,
  };
}

function cpuSeconds(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1e6;
}

/** What a process measured of itself over one window (bytes, seconds). */
export interface MemoryWindow {
  /** RSS sampled every `rssSampleMs`: mean, least and most. */
  rssMean: number;
  rssMin: number;
  rssMax: number;
  /** Anonymous RSS after a full collection at the end. */
  keptRssAnon: number;
  /** JS heap in use after that collection. */
  heapUsed: number;
  /** CPU time over the window and the window's length (the process's clocks). */
  cpuS: number;
  seconds: number;
}

/**
 * RSS sampled for `holdMs` with no forced GC (the runtime collects when it will), CPU counted
 * over it, then a full GC (`collectGarbage`, false when the runtime has none) and what is kept.
 */
export async function measureWindow(
  holdMs: number,
  collectGarbage: () => boolean,
): Promise<MemoryWindow> {
  const start = { cpuS: cpuSeconds(), atS: performance.now() / 1000 };
  const rss: number[] = [];
  for (let t = 0; t < holdMs; t += rssSampleMs) {
    rss.push(memory().rss);
    await sleep(rssSampleMs);
  }
  const end = { cpuS: cpuSeconds(), atS: performance.now() / 1000 };
  if (!collectGarbage()) throw new Error("no full GC in this runtime (Deno: --expose-gc)");
  await sleep(500); // the allocator hands freed pages back shortly after a collection
  const kept = memory();
  return {
    rssMean: rss.reduce((a, b) => a + b) / rss.length,
    rssMin: Math.min(...rss),
    rssMax: Math.max(...rss),
    keptRssAnon: kept.rssAnon,
    heapUsed: kept.heapUsed,
    cpuS: end.cpuS - start.cpuS,
    seconds: end.atS - start.atS,
  };
}

/**
 * The child's side: says it is ready, then prints one `measure()` as a JSON line per "window"
 * line on stdin, and exits at "stop".
 */
export async function serveWindows(measure: () => Promise<object>): Promise<never> {
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "stop") break;
    console.log(JSON.stringify(await measure()));
  }
  process.exit(0);
}

/** The parent's side: runs `file args...` with this runtime (V8 may collect on demand). */
export async function startBenchChild(file: string, args: string[]) {
  const runtimeArgs = process.execPath.includes("deno")
    ? ["run", "-A", "--v8-flags=--expose-gc"]
    : [];
  const child = spawn(process.execPath, [...runtimeArgs, file, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  await next();
  return {
    async window<T>(): Promise<T> {
      child.stdin!.write("window\n");
      return await next();
    },
    async stop() {
      child.stdin!.write("stop\n");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** A master as the benches run it: quiet, its ICE on loopback. */
export function startBenchMaster(options: Omit<StartMasterOptions, "log" | "bindAddress">) {
  return startMaster({ ...options, log: silentLog, bindAddress: "127.0.0.1" });
}

/** A viewer on `channel`, and how long from its offer to its first frame. */
export async function openBenchViewer(
  target: KvsTarget,
  channel: string,
  id: string,
  transportCc = true,
) {
  const session = await openSignaling({ target, channel, role: "VIEWER", clientId: id });
  const client = new ViewerClient({
    signaling: session.signaling,
    iceServers: [],
    clientId: id,
    bindAddress: "127.0.0.1",
    log: silentLog,
    transportCc,
  });
  const offeredAt = performance.now();
  const firstFrame = new Promise<number>((r) => client.once("frame", () => r(performance.now())));
  return {
    client,
    firstFrameMs: firstFrame.then((t) => t - offeredAt),
    close() {
      client.close();
      session.close();
    },
  };
}
