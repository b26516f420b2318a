/**
 * What `--metrics --json` and `kvsrtc metrics --json` print: one JSON object per line, either one
 * connection's phases or the per-phase statistics over many runs. The shapes are a stable,
 * documented interface (docs/metrics.schema.json); change them only with `version`.
 */
import type { Phase, PhaseTiming } from "./connection-timer.ts";
import type { UploadPhase, UploadPhaseTiming } from "./upload-timer.ts";
import { summarisePhases } from "./summary.ts";
import type { BandwidthEstimate } from "../congestion/peer-congestion.ts";

export const recordVersion = 1;

export type Side = "master" | "viewer";

/** A phase that ran has all three numbers; one that did not has a note saying why. */
export interface PhaseRecord<P extends string = Phase> {
  phase: P;
  startMs?: number;
  endMs?: number;
  durationMs?: number;
  note?: string;
}

export interface ConnectionRecord {
  kind: "connection";
  version: typeof recordVersion;
  role: Side;
  channel: string;
  /** The viewer's client id: the one at the other end for a master, its own for a viewer. */
  clientId?: string;
  /** 1-based run number, in `kvsrtc metrics`. */
  run?: number;
  phases: PhaseRecord[];
}

export interface PhaseStatisticsRecord {
  phase: Phase;
  count?: number;
  minMs?: number;
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
  note?: string;
}

export interface SummaryRecord {
  kind: "summary";
  version: typeof recordVersion;
  /** Where the runs went: the embedded local endpoint, another endpoint by URL, or AWS. */
  target: "embedded" | "endpoint" | "aws";
  channel: string;
  runs: number;
  failedRuns: number;
  sides: { role: Side; phases: PhaseStatisticsRecord[] }[];
}

/** One upload's phases: `kvsrtc producer --metrics`, and `master --stream --metrics`. */
export interface UploadRecord {
  kind: "upload";
  version: typeof recordVersion;
  role: "producer" | "master";
  stream: string;
  phases: PhaseRecord<UploadPhase>[];
}

/** Why a bandwidth record was printed. */
export type BandwidthEvent = "periodic" | "keyframesOnly" | "everyFrame" | "left";

/** A master's bandwidth estimate for one viewer (transport-cc negotiated). */
export interface BandwidthRecord {
  kind: "bandwidth";
  version: typeof recordVersion;
  role: "master";
  channel: string;
  clientId: string;
  event: BandwidthEvent;
  estimateBps: number;
  delayBasedBps: number;
  lossBasedBps: number;
  lossFraction: number;
  usage: BandwidthEstimate["usage"];
  /** The stream's bitrate, once known. */
  streamBps?: number;
  keyframesOnly: boolean;
}

export type MetricsRecord = ConnectionRecord | SummaryRecord | UploadRecord | BandwidthRecord;

/** Milliseconds to the microsecond: the clocks give no more. */
const ms = (value: number) => Math.round(value * 1000) / 1000;

/** A phase with no mark and no note was never reached (the connection stopped before it). */
export const notReached = "not reached";

export function phaseRecords<P extends string>(
  timings: readonly { phase: P; start?: number; end?: number; note?: string }[],
): PhaseRecord<P>[] {
  return timings.map((t) =>
    t.start !== undefined && t.end !== undefined
      ? { phase: t.phase, startMs: ms(t.start), endMs: ms(t.end), durationMs: ms(t.end - t.start) }
      : { phase: t.phase, note: t.note ?? notReached }
  );
}

export function connectionRecord(options: {
  role: Side;
  channel: string;
  clientId?: string;
  run?: number;
  timings: readonly PhaseTiming[];
}): ConnectionRecord {
  return {
    kind: "connection",
    version: recordVersion,
    role: options.role,
    channel: options.channel,
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    ...(options.run !== undefined ? { run: options.run } : {}),
    phases: phaseRecords(options.timings),
  };
}

export function summaryRecord(options: {
  target: SummaryRecord["target"];
  channel: string;
  failedRuns: number;
  /** Each completed run's timings, per side. */
  runs: readonly Partial<Record<Side, readonly PhaseTiming[]>>[];
}): SummaryRecord {
  const roles = (["master", "viewer"] as const).filter((role) =>
    options.runs.some((run) => run[role])
  );
  return {
    kind: "summary",
    version: recordVersion,
    target: options.target,
    channel: options.channel,
    runs: options.runs.length,
    failedRuns: options.failedRuns,
    sides: roles.map((role) => ({
      role,
      phases: summarisePhases(
        options.runs.flatMap((run) => run[role] ? [[...run[role]]] : []),
      ).map(({ phase, durationMs: d, note }) =>
        d
          ? {
            phase,
            count: d.count,
            minMs: ms(d.min),
            p50Ms: ms(d.p50),
            p95Ms: ms(d.p95),
            maxMs: ms(d.max),
          }
          : { phase, note: note ?? notReached }
      ),
    })),
  };
}

export function uploadRecord(options: {
  role: UploadRecord["role"];
  stream: string;
  timings: readonly UploadPhaseTiming[];
}): UploadRecord {
  return {
    kind: "upload",
    version: recordVersion,
    role: options.role,
    stream: options.stream,
    phases: phaseRecords(options.timings),
  };
}

export function bandwidthRecord(options: {
  channel: string;
  clientId: string;
  event: BandwidthEvent;
  estimate: BandwidthEstimate;
}): BandwidthRecord {
  const { estimate: e } = options;
  const bps = (value: number) => Math.round(value);
  return {
    kind: "bandwidth",
    version: recordVersion,
    role: "master",
    channel: options.channel,
    clientId: options.clientId,
    event: options.event,
    estimateBps: bps(e.estimateBps),
    delayBasedBps: bps(e.delayBasedBps),
    lossBasedBps: bps(e.lossBasedBps),
    lossFraction: Math.round(e.lossFraction * 1000) / 1000,
    usage: e.usage,
    ...(Number.isFinite(e.streamBps) ? { streamBps: bps(e.streamBps) } : {}),
    keyframesOnly: e.keyframesOnly,
  };
}
