/**
 * Runs one target's cases in this process: each case's input from its own generator, the time
 * it took, and whether it threw something other than the target's deliberate errors.
 */
import { Rng } from "./prng.ts";
import type { FuzzTarget } from "./target.ts";

/** A case slower than this is counted as a hang. */
export const hangBoundMs = 250;
/** Findings kept in detail per target (the counts go on), and the characters of input shown. */
const keptFindings = 5;
const shownChars = 4000;

export interface Finding {
  kind: "crash" | "hang";
  case: number;
  error: string;
  input: string;
}

export interface TargetSummary {
  target: string;
  cases: number;
  crashes: number;
  hangs: number;
  maxCaseMs: number;
  /** Heap growth from before the first case to after the last (each after a collection). */
  heapGrowthBytes: number;
  rssGrowthBytes: number;
  findings: Finding[];
}

export interface RunOptions {
  seed: number;
  cases: number;
  /** The first case number (to replay one case: `from` = its number, `cases` = 1). */
  from?: number;
  /** Told each case number before the case runs (the watchdog's progress mark). */
  onCase?(index: number): void;
}

export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<TargetSummary> {
  const from = options.from ?? 0;
  const summary: TargetSummary = {
    target: target.name,
    cases: 0,
    crashes: 0,
    hangs: 0,
    maxCaseMs: 0,
    heapGrowthBytes: 0,
    rssGrowthBytes: 0,
    findings: [],
  };
  await target.prepare?.();
  const before = memory();
  for (let index = from; index < from + options.cases; index++) {
    options.onCase?.(index);
    const input = target.input(Rng.forCase(options.seed, target.name, index));
    let { ms, threw, thrown } = await timed(target, input);
    // Slow once may be a collection or the machine's other load: a hang is slow twice.
    if (ms > hangBoundMs) ({ ms, threw, thrown } = await timed(target, input));
    summary.cases++;
    summary.maxCaseMs = Math.max(summary.maxCaseMs, ms);
    const crashed = threw && !target.deliberate(thrown);
    if (crashed) summary.crashes++;
    if (ms > hangBoundMs) summary.hangs++;
    if ((crashed || ms > hangBoundMs) && summary.findings.length < keptFindings) {
      summary.findings.push({
        kind: crashed ? "crash" : "hang",
        case: index,
        error: crashed ? describe(thrown) : `took ${ms.toFixed(0)} ms`,
        input: target.show(input).slice(0, shownChars),
      });
    }
  }
  const after = memory();
  summary.heapGrowthBytes = after.heap - before.heap;
  summary.rssGrowthBytes = after.rss - before.rss;
  return summary;
}

async function timed(target: FuzzTarget, input: unknown) {
  const started = performance.now();
  try {
    await target.run(input);
    return { ms: performance.now() - started, threw: false, thrown: undefined };
  } catch (error) {
    return { ms: performance.now() - started, threw: true, thrown: error as unknown };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) {
    return `non-Error thrown: ${Object.prototype.toString.call(error)}`;
  }
  const where = error.stack?.split("\n").find((line) => line.includes("/core/"))?.trim();
  return `${error.name}: ${error.message}${where ? ` (${where})` : ""}`;
}

function memory(): { heap: number; rss: number } {
  const runtime = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  runtime.Bun?.gc(true);
  runtime.gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}
