/** Per-phase statistics over many connections, for `kvsrtc metrics` and the benchmarks. */
import { type Phase, phases, type PhaseTiming } from "./connection-timer.ts";

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted, non-empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("percentile of an empty list");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0],
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1],
  };
}

export interface PhaseSummary {
  phase: Phase;
  /** Absent when no run recorded the phase; `note` then says why. */
  durationMs?: Distribution;
  note?: string;
}

/** Summarises the durations of each phase over runs (each run: one connection's timings). */
export function summarisePhases(runs: readonly PhaseTiming[][]): PhaseSummary[] {
  return phases.map((phase) => {
    const durations: number[] = [];
    let note: string | undefined;
    for (const run of runs) {
      const t = run.find((x) => x.phase === phase);
      if (t?.start !== undefined && t.end !== undefined) durations.push(t.end - t.start);
      else note ??= t?.note;
    }
    const durationMs = distribution(durations);
    return durationMs ? { phase, durationMs } : { phase, note: note ?? "not reached" };
  });
}
