import { printLine } from "../output.ts";
import type { Command, Values } from "../command.ts";
import { UsageError } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { summaryTable } from "../metrics-output.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { runConnection, type RunRole } from "../../adapters/metrics/run-connection.ts";
import type { PhaseTiming } from "../../core/metrics/connection-timer.ts";
import { connectionRecord, type Side, summaryRecord } from "../../core/metrics/records.ts";

const roles = ["both", "master", "viewer"] as const;

function positiveInteger(values: Values, flag: string, fallback: number, max: number): number {
  const text = values[flag] as string | undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${flag} "${text}" must be a whole number from 1 to ${max}`);
  }
  return n;
}

function metricsSettings(values: Values) {
  const role = (values.role as string | undefined) ?? "both";
  if (!(roles as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${roles.join(", ")}, not "${role}"`);
  }
  const turnUrl = values["turn-url"] as string | undefined;
  const turnSecret = values["turn-secret"] as string | undefined;
  if ((turnUrl === undefined) !== (turnSecret === undefined)) {
    throw new UsageError("--turn-url and --turn-secret go together; give both or neither");
  }
  if (turnUrl !== undefined && !/^turns?:/.test(turnUrl)) {
    throw new UsageError(`--turn-url "${turnUrl}" must start with turn: or turns:`);
  }
  return {
    shared: sharedSettings(values),
    runs: positiveInteger(values, "runs", 1, 10_000),
    role: role as RunRole,
    timeoutMs: positiveInteger(values, "timeout", 30, 3600) * 1000,
    relayOnly: values["relay-only"] === true,
    turn: turnUrl !== undefined ? { url: turnUrl, secret: turnSecret! } : undefined,
  };
}

/**
 * One line of progress on stderr, rewritten in place on a terminal; elsewhere (a log file) only
 * each run's outcome, one line per run.
 */
function progress(text: string, kind: "interim" | "outcome" | "last") {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[K${text}${kind === "last" ? "\n" : ""}`);
  } else if (kind !== "interim") process.stderr.write(`${text}\n`);
}

const firstFrameAt = (timings: readonly PhaseTiming[] | undefined) =>
  timings?.find((t) => t.phase === "firstFrame")?.end;

export const metrics: Command = {
  name: "metrics",
  summary: "run connections and print how long each phase took",
  usage: "kvsrtc metrics [--runs N] [--role master|viewer|both] [--json] [options]",
  options: {
    runs: { type: "string", arg: "N", help: "connections to run, one after another (default 1)" },
    role: {
      type: "string",
      arg: "ROLE",
      help: "both: master and viewer in this process (default; a master already on the " +
        "channel is replaced, the newest master wins); master: wait for a viewer from " +
        "elsewhere each run; viewer: connect to a master running elsewhere",
    },
    timeout: {
      type: "string",
      arg: "SECONDS",
      help: "a run without its first frame by then fails (default 30)",
    },
    "relay-only": {
      type: "boolean",
      help: "use relayed (TURN) candidates only, like iceTransportPolicy relay",
    },
    "turn-url": {
      type: "string",
      arg: "URL",
      help: "embedded endpoint only: TURN server it hands out, e.g. turn:127.0.0.1:3478",
    },
    "turn-secret": {
      type: "string",
      arg: "SECRET",
      help: "its shared secret (coturn static-auth-secret)",
    },
    ...sharedOptions,
    ...helpOption,
  },
  epilog: "Prints, per phase and side, min/p50/p95/max over the runs that completed (a phase\n" +
    "that never ran says n/a and why); a progress line goes to stderr. With --json: one\n" +
    "connection object per run and side, then a summary object (docs/metrics.schema.json).",
  async run(values) {
    const settings = metricsSettings(values);
    const { shared } = settings;
    const log = consoleLog(shared.logLevel);
    if (settings.turn && (shared.region !== undefined || shared.endpointUrl !== undefined)) {
      throw new UsageError("--turn-url is for the embedded endpoint: leave out --region");
    }
    const target = await resolveTarget(shared, {
      log,
      localEndpoint: settings.turn ? { turn: settings.turn } : undefined,
    });
    const completed: Partial<Record<Side, PhaseTiming[]>>[] = [];
    let failed = 0;
    try {
      for (let run = 1; run <= settings.runs; run++) {
        const head = `metrics: run ${run}/${settings.runs}`;
        progress(`${head}: connecting...`, "interim");
        let result;
        try {
          result = await runConnection({
            target,
            channel: shared.channel,
            role: settings.role,
            timeoutMs: settings.timeoutMs,
            relayOnly: settings.relayOnly,
            log,
          });
        } catch (error) {
          failed++;
          progress(`${head} failed: ${(error as Error).message}`, "last");
          continue;
        }
        const { master, viewer, clientId } = result;
        completed.push({ master, viewer });
        const sides = [
          master && `sent at ${firstFrameAt(master)!.toFixed(0)} ms (master)`,
          viewer && `received at ${firstFrameAt(viewer)!.toFixed(0)} ms (viewer)`,
        ].filter(Boolean);
        progress(
          `${head}: first frame ${sides.join(", ")}`,
          run === settings.runs ? "last" : "outcome",
        );
        if (shared.json) {
          for (const [role, timings] of [["master", master], ["viewer", viewer]] as const) {
            if (!timings) continue;
            const record = connectionRecord({
              role,
              channel: shared.channel,
              clientId,
              run,
              timings,
            });
            printLine(JSON.stringify(record));
          }
        }
      }
    } finally {
      await target.close();
    }
    const summary = summaryRecord({
      target: target.kind,
      channel: shared.channel,
      failedRuns: failed,
      runs: completed,
    });
    printLine(shared.json ? JSON.stringify(summary) : summaryTable(summary));
    return completed.length > 0 ? 0 : 1;
  },
};
