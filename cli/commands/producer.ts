import type { Command, Values } from "../command.ts";
import { UsageError } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { connecting, numberFlag, openSourceFlags, sourceOptions } from "./media-options.ts";
import { untilSignal } from "../stop-signal.ts";
import { kvsClientFor, resolveTarget } from "../../adapters/aws/mod.ts";
import { feedBroadcast } from "../../adapters/media/feed-broadcast.ts";
import { PutMediaUploader } from "../../adapters/producer/put-media-uploader.ts";
import { StreamApi } from "../../adapters/producer/stream-api.ts";
import { formatUploadStatus } from "../upload-status.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { defaultMaxFragmentMs, defaultMinFragmentMs } from "../../core/producer/fragmenter.ts";
import { defaultBufferSeconds } from "../../core/producer/upload-window.ts";

/** The retention of a stream --create-stream makes, unless --retention-hours says otherwise. */
const defaultRetentionHours = 24;

/** The longest fragment AWS accepts (4002 past it). */
const maxFragmentMs = 10_000;

/**
 * How long SIGINT waits for the last fragment's acknowledgement: under the 5 s after which a
 * stop signal ends the process anyway (cli/stop-signal.ts), with the open fragment's own wait.
 */
const stopGraceMs = 2_500;

const streamNamePattern = /^[a-zA-Z0-9_.-]{1,256}$/;

function streamName(values: Values): string {
  const name = values.stream as string | undefined;
  if (name === undefined) throw new UsageError("--stream NAME is required");
  if (!streamNamePattern.test(name)) {
    throw new UsageError(
      `--stream "${name}" is not a valid stream name (1-256 of a-z A-Z 0-9 _ . -)`,
    );
  }
  return name;
}

async function runProducer(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  const name = streamName(values);
  const retentionHours = numberFlag(
    values,
    "retention-hours",
    defaultRetentionHours,
    0,
    87_600,
  )!;
  const durationS = numberFlag(values, "duration", undefined, 1, 31_536_000);
  const fragmentMs = numberFlag(
    values,
    "fragment-ms",
    defaultMaxFragmentMs,
    defaultMinFragmentMs + 1,
    maxFragmentMs,
  );
  const bufferSeconds = numberFlag(values, "buffer-seconds", defaultBufferSeconds, 1, 3_600);
  const log = consoleLog(settings.logLevel);
  const source = openSourceFlags(values, log);
  const target = await resolveTarget(settings, { log });
  // The embedded endpoint starts empty: its stream is made as the master makes its channel.
  const create = values["create-stream"] === true || target.kind === "embedded";
  const stream = await connecting(
    target,
    () =>
      new StreamApi(kvsClientFor(target, log).options).describeOrCreate(
        name,
        create ? { retentionHours } : undefined,
      ),
  );
  const broadcast = new Broadcast();
  const uploader = new PutMediaUploader({
    target,
    broadcast,
    stream,
    log,
    audio: values.audio !== undefined || values.source === undefined ? true : undefined,
    maxFragmentMs: fragmentMs,
    bufferSeconds,
    onStart: (withAudio) => {
      if (withAudio && target.kind === "aws") {
        log.warn(
          "uploading Opus audio: AWS's HLS and console players do not play Opus (GetMedia " +
            "gives it back as sent)",
        );
      }
    },
    onAck: (ack, latencyMs) => {
      if (settings.json) console.log(JSON.stringify({ kind: "ack", ...ack, latencyMs }));
    },
  });
  feedBroadcast(source, broadcast, log);
  log.info(
    `producer uploading ${source.description} to stream ${name} (${stream.arn}, ` +
      `${stream.retentionHours} h retention) on ${target.description}`,
  );
  if (target.kind === "embedded") {
    const recordings = new URL(
      `/recordings?stream=${encodeURIComponent(name)}`,
      target
        .controlPlaneUrl,
    ).href;
    console.log(`watch it at ${recordings}`);
    console.log(
      "(the page plays its HLS; ffplay plays the session URL GetHLSStreamingSessionURL returns)",
    );
  }
  let last = { atMs: performance.now(), bytes: 0 };
  const status = setInterval(() => {
    const stats = uploader.stats();
    if (!stats || settings.json) return;
    const now = { atMs: performance.now(), bytes: stats.bytesWritten };
    const kbits = ((now.bytes - last.bytes) * 8) / (now.atMs - last.atMs);
    last = now;
    console.log(formatUploadStatus(stats, kbits));
  }, 1_000);
  const duration = durationS === undefined
    ? undefined
    : new Promise<string>((resolve) =>
      setTimeout(() => resolve(`${durationS} s passed`), durationS * 1000)
    );
  const how = await Promise.race([untilSignal(), source.ended, ...(duration ? [duration] : [])]);
  log.info(`${how}: ending the upload`);
  clearInterval(status);
  const acknowledged = await uploader.stop(stopGraceMs);
  source.stop();
  const stats = uploader.stats();
  if (stats) console.log(formatUploadStatus(stats));
  if (!acknowledged) {
    log.warn(`the last fragments were not acknowledged within ${stopGraceMs / 1000} s`);
  }
  await target.close();
  return 0;
}

export const producer: Command = {
  name: "producer",
  summary: "upload the source to a KVS stream with PutMedia (no WebRTC)",
  usage: "kvsrtc producer --stream NAME [options]",
  waitsForStop: true,
  options: {
    stream: { type: "string", arg: "NAME", help: "the KVS stream to upload to" },
    "create-stream": { type: "boolean", help: "create the stream when it does not exist" },
    "retention-hours": {
      type: "string",
      arg: "N",
      help: `retention of a stream --create-stream makes (default ${defaultRetentionHours}; ` +
        "0 keeps nothing)",
    },
    ...sourceOptions,
    duration: { type: "string", arg: "S", help: "stop after S seconds (default: at SIGINT)" },
    "fragment-ms": {
      type: "string",
      arg: "N",
      help: `longest fragment, ms (default ${defaultMaxFragmentMs}; fragments start at ` +
        "keyframes)",
    },
    "buffer-seconds": {
      type: "string",
      arg: "N",
      help: `media held while unacknowledged (default ${defaultBufferSeconds}); past it the ` +
        "oldest fragments are dropped and reported",
    },
    ...sharedOptions,
    ...helpOption,
  },
  epilog: "With no --region, the producer uploads to the embedded local endpoint (creating " +
    "the stream) and prints the recordings page that plays it. A status line each second; " +
    "--json prints one line per acknowledgement instead. SIGINT ends the current fragment, " +
    "waits briefly for its acknowledgement, and exits 0.",
  run: runProducer,
};
