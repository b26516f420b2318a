/**
 * Prints connection metrics: a table for people, one JSON object per line with `--json`
 * (shapes in core/metrics/records.ts, schema in docs/metrics.schema.json).
 */
import { printLine } from "./output.ts";
import type { Options } from "./command.ts";
import type { ConnectionTimer, Phase } from "../core/metrics/connection-timer.ts";
import { phaseLabels } from "../core/metrics/phase-labels.ts";
import {
  type BandwidthRecord,
  type ConnectionRecord,
  connectionRecord,
  type Side,
  type SummaryRecord,
  type UploadRecord,
  uploadRecord,
} from "../core/metrics/records.ts";
import type { UploadPhase, UploadTimer } from "../core/metrics/upload-timer.ts";

const labelWidth = 30;

function label(phase: Phase, role: Side): string {
  if (phase !== "firstFrame") return phaseLabels[phase];
  return `${phaseLabels[phase]} ${role === "master" ? "sent" : "received"}`;
}

const number = (value: number) => value.toFixed(1);

function row(first: string, cells: readonly string[], width = 10): string {
  return (first.padEnd(labelWidth) + cells.map((c) => c.padStart(width)).join("")).trimEnd();
}

const notApplicable = (note: string) => `  n/a (${note})`;

export function connectionTable(record: ConnectionRecord): string {
  // A master's connection without a client id is the storage peer's (it has none).
  const who = record.role === "master"
    ? `master, ${record.clientId === undefined ? "storage peer" : `viewer ${record.clientId}`}`
    : `viewer ${record.clientId ?? "?"}`;
  const lines = [
    `connection metrics (${who}, channel ${record.channel}${
      record.run !== undefined ? `, run ${record.run}` : ""
    })`,
    row("phase", ["start ms", "end ms", "took ms"]),
  ];
  for (const p of record.phases) {
    lines.push(
      p.durationMs !== undefined
        ? row(label(p.phase, record.role), [p.startMs!, p.endMs!, p.durationMs].map(number))
        : label(p.phase, record.role).padEnd(labelWidth) + notApplicable(p.note!),
    );
  }
  return lines.join("\n");
}

const targetNames: Record<SummaryRecord["target"], string> = {
  embedded: "the embedded local endpoint",
  endpoint: "the endpoint given",
  aws: "AWS",
};

export function summaryTable(record: SummaryRecord): string {
  const lines = [
    `${record.runs} connection${record.runs === 1 ? "" : "s"} on channel ${record.channel} ` +
    `against ${targetNames[record.target]}` +
    (record.failedRuns ? ` (${record.failedRuns} failed, not counted)` : ""),
  ];
  for (const side of record.sides) {
    lines.push("", row(`${side.role} phase`, ["runs", "min ms", "p50 ms", "p95 ms", "max ms"]));
    for (const p of side.phases) {
      lines.push(
        p.count !== undefined
          ? row(label(p.phase, side.role), [
            String(p.count),
            ...[p.minMs!, p.p50Ms!, p.p95Ms!, p.maxMs!].map(number),
          ])
          : label(p.phase, side.role).padEnd(labelWidth) + notApplicable(p.note!),
      );
    }
  }
  return lines.join("\n");
}

/** Bits per second for people: "1.25 Mbit/s". */
export function bitrateText(bps: number): string {
  return `${(bps / 1e6).toFixed(2)} Mbit/s`;
}

const bandwidthEvents: Record<BandwidthRecord["event"], string> = {
  periodic: "now",
  keyframesOnly: "keyframes only from now on",
  everyFrame: "every frame again",
  left: "when it left",
};

export function bandwidthLine(record: BandwidthRecord): string {
  const stream = record.streamBps === undefined ? "" : `, stream ${bitrateText(record.streamBps)}`;
  return `bandwidth (master, viewer ${record.clientId}, channel ${record.channel}, ` +
    `${bandwidthEvents[record.event]}): estimate ${bitrateText(record.estimateBps)} ` +
    `(delay-based ${bitrateText(record.delayBasedBps)}, loss-based ` +
    `${bitrateText(record.lossBasedBps)}, ${(record.lossFraction * 100).toFixed(1)}% lost, ` +
    `${record.usage})${stream}${record.keyframesOnly ? ", keyframes only" : ""}`;
}

/** The `--metrics` flag of master and viewer. */
export const metricsOption: Options = {
  metrics: {
    type: "boolean",
    help: "print how long each connection phase took, per connection once it is up, and " +
      "on a master each viewer's bandwidth estimate every 10 s, when its adaptation " +
      "changes and when it leaves; with --stream, the upload's phases once the first " +
      "fragment is persisted (with --json: one JSON object per line)",
  },
};

/**
 * What `--metrics` on master, viewer and storage calls once a connection is up (its first
 * frame sent or received): the connection's table, or its JSON line with `--json`.
 */
export function printConnectionMetrics(options: {
  role: Side;
  channel: string;
  clientId?: string;
  timer: ConnectionTimer;
  json: boolean;
  write?: (text: string) => void;
}): void {
  const write = options.write ?? ((text: string) => printLine(text));
  const record = connectionRecord({ ...options, timings: options.timer.timings() });
  write(options.json ? JSON.stringify(record) : connectionTable(record));
}

const uploadPhaseLabels: Record<UploadPhase, string> = {
  getCredentials: "get credentials",
  describeStream: "describe stream",
  getDataEndpoint: "get data endpoint",
  putMediaConnected: "PutMedia connected",
  firstFragmentSent: "first fragment sent",
  firstBuffering: "first BUFFERING",
  firstReceived: "first RECEIVED",
  firstPersisted: "first PERSISTED",
};

export function uploadTable(record: UploadRecord): string {
  const lines = [
    `upload metrics (${record.role}, stream ${record.stream})`,
    row("phase", ["start ms", "end ms", "took ms"]),
  ];
  for (const p of record.phases) {
    const label = uploadPhaseLabels[p.phase];
    lines.push(
      p.durationMs !== undefined
        ? row(label, [p.startMs!, p.endMs!, p.durationMs].map(number))
        : label.padEnd(labelWidth) + notApplicable(p.note!),
    );
  }
  return lines.join("\n");
}

/**
 * What `--metrics` on producer and master --stream prints once: the upload's phases, as soon
 * as every one is timed (`whenComplete`, called now and then), or when the upload ends (`now`)
 * with what was timed by then.
 */
export function uploadMetricsPrinter(options: {
  role: UploadRecord["role"];
  stream: string;
  timer: UploadTimer;
  json: boolean;
}): { whenComplete(): void; now(): void } {
  let printed = false;
  const now = () => {
    if (printed) return;
    printed = true;
    const record = uploadRecord({ ...options, timings: options.timer.timings() });
    printLine(options.json ? JSON.stringify(record) : uploadTable(record));
  };
  return { whenComplete: () => options.timer.complete && now(), now };
}
