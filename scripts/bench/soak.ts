/**
 * Soak of one master: N `kvsrtc viewer` processes (500 by default; `--viewers N`) join and leave
 * it one after another, each until it has 10 frames, and the master's signaling socket is cut
 * (the local endpoint's test hook) as every fifth viewer starts, so its offer is in flight while
 * the master reconnects (100 cuts for 500 viewers). Master and viewers run from source as a user
 * runs them (`bun cli/main.ts ...`); the local endpoint runs here. Reported:
 *   - viewers that were not served (refused, or failed): the goal is 0;
 *   - how long after a viewer's process exited the master freed its slot (its "left" line);
 *   - the master's RSS before the first viewer, once warm (after the first tenth of them, code
 *     paged in and libdatachannel's threads started), after each tenth, and at the end: growth
 *     warm to end, goal <= 5 MB;
 *   - the master's open file descriptors (/proc/PID/fd) and threads (/proc/PID/status) before
 *     the first viewer, once warm and after the last one left: the goal is to be back where
 *     they were once warm (libdatachannel starts its thread pool and sockets once, on the first
 *     connection, and keeps them).
 *   bun scripts/bench/soak.ts [--viewers N]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";

const { values } = parseArgs({ options: { viewers: { type: "string", default: "500" } } });
const viewers = Number(values.viewers);
if (!Number.isInteger(viewers) || viewers < 1) {
  console.error(`soak: --viewers "${values.viewers}" must be a whole number of at least 1`);
  process.exit(2);
}
const framesPerViewer = 10;
const cutEvery = 5;
/** A viewer process that has not ended by then counts as failed. */
const viewerBoundMs = 40_000;
/** Threads and descriptors of a departed peer are released asynchronously. */
const settleMs = 3000;

const checkout = resolve(import.meta.dirname!, "../..");
const bun = resolve(checkout, "node_modules/.bin/bun");
const main = resolve(checkout, "cli/main.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const endpoint = await startLocalEndpoint();
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: endpoint.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: endpoint.credentials.secretAccessKey,
  AWS_REGION: endpoint.region,
};
const channel = "soak";
const where = ["--endpoint-url", endpoint.url, "--channel", channel];

/** The master's stderr lines, each with when it arrived here. */
const masterLines: { at: number; text: string }[] = [];
const master = spawn(bun, [main, "master", ...where], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
let partial = "";
master.stderr!.on("data", (chunk: Buffer) => {
  const at = performance.now();
  const lines = (partial + chunk).split("\n");
  partial = lines.pop()!;
  for (const text of lines) masterLines.push({ at, text });
});
const masterExited = new Promise<number | null>((done) => master.on("exit", done));

/** The master's first line matching `pattern`, waiting up to timeoutMs for it. */
async function masterLine(pattern: RegExp, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const line = masterLines.find((l) => pattern.test(l.text));
    if (line || performance.now() > deadline) return line;
    await sleep(20);
  }
}

function processFigures(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))![1]);
  return {
    rssMb: field("VmRSS") / 1024,
    threads: field("Threads"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

function runViewer(
  clientId: string,
): Promise<{ code: number | null; exitedAt: number; stderr: string }> {
  const child: ChildProcess = spawn(bun, [
    main,
    "viewer",
    ...where,
    ...["--client-id", clientId, "--frames", String(framesPerViewer), "--timeout", "20"],
    ...["--log-level", "warn"],
  ], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const bound = setTimeout(() => child.kill("SIGKILL"), viewerBoundMs);
  return new Promise((done) =>
    child.on("exit", (code) => {
      clearTimeout(bound);
      done({ code, exitedAt: performance.now(), stderr });
    })
  );
}

const arnLine = await masterLine(/^master on channel soak \((arn:[^)]+)\)/, 30_000);
if (!arnLine) {
  throw new Error(`the master did not start:\n${masterLines.map((l) => l.text).join("\n")}`);
}
const channelArn = /\((arn:[^)]+)\)/.exec(arnLine.text)![1];
await sleep(settleMs);
const before = processFigures(master.pid!);
let warm = before;
const warmAfter = Math.max(1, Math.round(viewers / 10));

// Each viewer starts as soon as the one before has exited, as the master's users would: the
// master is not waited for, so a slot it is slow to free is a place the next viewers lack.
/** The master's RSS after each tenth of the viewers: a leak grows it steadily, a cache levels off. */
const rssTrend: number[] = [];
let cuts = 0;
const unserved: string[] = [];
const exits: { clientId: string; at: number }[] = [];
const startedAt = performance.now();
for (let i = 0; i < viewers; i++) {
  const clientId = `soak-${i}`;
  const viewer = runViewer(clientId);
  if (i % cutEvery === cutEvery - 1) {
    endpoint.testDropClient(channelArn);
    cuts++;
  }
  const { code, exitedAt, stderr } = await viewer;
  if (code === 0) exits.push({ clientId, at: exitedAt });
  else unserved.push(`${clientId} exited ${code}: ${stderr.trim().split("\n").at(-1)}`);
  if ((i + 1) % warmAfter === 0) {
    const now = processFigures(master.pid!);
    if (i + 1 === warmAfter) warm = now;
    rssTrend.push(now.rssMb);
  }
}
const runS = (performance.now() - startedAt) / 1000;
const departuresMs: number[] = [];
let neverLeft = 0;
for (const { clientId, at } of exits) {
  const left = await masterLine(new RegExp(`^viewer ${clientId} left`), 60_000);
  if (left) departuresMs.push(left.at - at);
  else neverLeft++;
}
await sleep(settleMs);
const after = processFigures(master.pid!);
master.kill("SIGTERM");
await masterExited;
await endpoint.stop();

const sorted = departuresMs.sort((a, b) => a - b);
const percentile = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const mb = (x: number) => `${x.toFixed(1)} MB`;
console.log(
  `soak: ${viewers} viewer processes one after another (${framesPerViewer} frames each), ` +
    `${cuts} cuts of the master's signaling socket, ${runS.toFixed(0)} s`,
);
console.log(`  viewers not served:        ${unserved.length} (goal 0)`);
if (neverLeft > 0) console.log(`  never seen leaving:        ${neverLeft} (within 60 s)`);
for (const line of unserved.slice(0, 10)) console.log(`    ${line}`);
if (sorted.length > 0) {
  console.log(
    `  slot freed after exit:     p50 ${percentile(0.5).toFixed(0)} ms, p95 ${
      percentile(0.95).toFixed(0)
    } ms, max ${sorted.at(-1)!.toFixed(0)} ms (goal < 1000 ms)`,
  );
}
console.log(
  `  master RSS:                ${mb(before.rssMb)} before, ${mb(warm.rssMb)} after ` +
    `${warmAfter} viewers, ${mb(after.rssMb)} at the end: ${
      mb(after.rssMb - warm.rssMb)
    } growth (goal <= 5 MB)`,
);
console.log(`  master RSS by tenths:      ${rssTrend.map((r) => r.toFixed(1)).join(", ")} MB`);
console.log(
  `  master fds / threads:      ${before.fds} / ${before.threads} before, ${warm.fds} / ` +
    `${warm.threads} after ${warmAfter} viewers, ${after.fds} / ${after.threads} after the last ` +
    `(goal: as after the first ones; libdatachannel starts its threads and sockets once)`,
);
