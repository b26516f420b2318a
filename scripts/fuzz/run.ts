/**
 * npm run fuzz: every target (or `--target NAME`) for `--cases N` cases from `--seed S`, each
 * target in a child process under a watchdog, so a case that never returns is caught, killed
 * and reported with the case number to replay it. One summary line per target; the exit
 * status is 1 when any case crashed or hung.
 *
 *   --case K   replays case K of the target(s) in this process and prints what it found.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { hangBoundMs, runTarget, type TargetSummary } from "./engine.ts";
import { fuzzTargets } from "./targets/mod.ts";

/** A case still running after this long is stuck for good: its process is killed. */
const stuckAfterMs = 10_000;
/**
 * How long a target may take to make its seeds before the first case: some run ffmpeg
 * (libx265, libvpx), which takes more than a case's bound on a loaded machine.
 */
const preparingAfterMs = 120_000;

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    target: { type: "string", multiple: true },
    case: { type: "string" },
    child: { type: "string" }, // internal: run one target and print its summary as JSON
    progress: { type: "string" }, // internal: the file the child marks each case number in
  },
});

const cases = wholeNumber(values.cases!, "--cases");
const seed = wholeNumber(values.seed!, "--seed");

if (values.child !== undefined) {
  await child(values.child, values.progress!);
} else {
  const names = values.target ?? fuzzTargets.map((t) => t.name);
  for (const name of names) targetNamed(name);
  if (values.case !== undefined) await replay(names, wholeNumber(values.case, "--case"));
  else process.exit(await parent(names));
}

function wholeNumber(text: string, option: string): number {
  if (!/^\d+$/.test(text)) fail(`${option} takes a whole number, not '${text}'`);
  return Number(text);
}

function fail(message: string): never {
  console.error(`fuzz: ${message}`);
  process.exit(2);
}

function targetNamed(name: string) {
  const target = fuzzTargets.find((t) => t.name === name);
  if (!target) fail(`no target '${name}' (targets: ${fuzzTargets.map((t) => t.name).join(", ")})`);
  return target;
}

async function child(name: string, progressFile: string) {
  const fd = openSync(progressFile, "w");
  const summary = await runTarget(targetNamed(name), {
    seed,
    cases,
    // Written in place before each case, so the parent knows the case that did not return.
    onCase: (index) => writeSync(fd, String(index).padStart(12), 0),
  });
  closeSync(fd);
  writeSync(1, `${JSON.stringify(summary)}\n`);
  // Exits at once: a timer a target left behind must not keep the process (the unit test's
  // sanitizers are where leaks are caught).
  process.exit(0);
}

async function replay(names: string[], index: number) {
  for (const name of names) {
    const summary = await runTarget(targetNamed(name), { seed, cases: 1, from: index });
    console.log(summaryLine(summary, 0));
    for (const f of summary.findings) console.log(`  ${f.kind}: ${f.error}\n  input: ${f.input}`);
  }
}

async function parent(names: string[]): Promise<number> {
  console.log(
    `fuzz: ${cases} cases per target, seed ${seed}, a case over ${hangBoundMs} ms is a hang`,
  );
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-fuzz-"));
  let failed = false;
  try {
    for (const name of names) {
      const started = performance.now();
      const summary = await supervise(name, join(dir, `${name}.progress`));
      console.log(summaryLine(summary, performance.now() - started));
      for (const f of summary.findings) {
        console.log(`  ${f.kind} in case ${f.case}: ${f.error}`);
        console.log(`    input: ${f.input.slice(0, 600)}`);
        console.log(`    replay: npm run fuzz -- --target ${name} --seed ${seed} --case ${f.case}`);
      }
      failed ||= summary.crashes > 0 || summary.hangs > 0;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

/** Runs one target in a child process; a case stuck past `stuckAfterMs` is a hang, and the end. */
function supervise(name: string, progressFile: string): Promise<TargetSummary> {
  // Deno collects garbage on request (for the memory figures) only with --expose-gc.
  const runtimeArgs = basename(process.execPath).startsWith("deno")
    ? ["run", "-A", "--v8-flags=--expose-gc"]
    : [];
  const args = [...runtimeArgs, import.meta.filename!, "--child", name, "--progress", progressFile];
  const proc = spawn(
    process.execPath,
    [...args, "--cases", String(cases), "--seed", String(seed)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  proc.stdout.on("data", (chunk) => (out += chunk));
  let stuck: { case: number } | undefined;
  let last = -1;
  let lastChange = performance.now();
  const watchdog = setInterval(() => {
    const current = readProgress(progressFile);
    if (current !== last) {
      last = current;
      lastChange = performance.now();
    } else if (
      performance.now() - lastChange > (current === -1 ? preparingAfterMs : stuckAfterMs)
    ) {
      stuck = { case: current };
      proc.kill("SIGKILL");
    }
  }, 250);
  return new Promise((resolve) => {
    proc.on("close", (code, signal) => {
      clearInterval(watchdog);
      const summary = parseSummary(out);
      if (summary && code === 0) return resolve(summary);
      const at = stuck?.case ?? readProgress(progressFile);
      resolve({
        target: name,
        cases: Math.max(at + 1, 0),
        crashes: stuck ? 0 : 1,
        hangs: stuck ? 1 : 0,
        maxCaseMs: stuck ? stuckAfterMs : 0,
        heapGrowthBytes: 0,
        rssGrowthBytes: 0,
        findings: [{
          kind: stuck ? "hang" : "crash",
          case: at,
          error: stuck
            ? (stuck.case === -1
              ? `its seeds were still being made after ${preparingAfterMs / 1000} s: killed`
              : `still running after ${stuckAfterMs / 1000} s: killed`)
            : `the process died (${signal ?? `exit ${code}`})`,
          input: "(replay the case to see it)",
        }],
      });
    });
  });
}

function readProgress(file: string): number {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text === "" ? -1 : Number(text);
  } catch {
    return -1;
  }
}

function parseSummary(out: string): TargetSummary | undefined {
  const last = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as TargetSummary;
  } catch {
    return undefined;
  }
}

function summaryLine(s: TargetSummary, ms: number): string {
  const mb = (bytes: number) => `${bytes >= 0 ? "+" : ""}${(bytes / 1048576).toFixed(1)} MB`;
  return [
    s.target.padEnd(27),
    `${s.cases} cases`.padStart(13),
    `${s.crashes} crashes`.padStart(11),
    `${s.hangs} hangs`.padStart(9),
    `max ${s.maxCaseMs.toFixed(1)} ms`.padStart(14),
    `heap ${mb(s.heapGrowthBytes)}`.padStart(15),
    `rss ${mb(s.rssGrowthBytes)}`.padStart(14),
    ms > 0 ? `${(ms / 1000).toFixed(1)} s`.padStart(8) : "",
  ].join(" ").trimEnd();
}
