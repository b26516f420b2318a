import { printLine } from "../output.ts";
import { type Command, UserError, type Values } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { numberFlag, openSourceFlags, sourceOptions } from "./media-options.ts";
import { uploadMetricsPrinter } from "../metrics-output.ts";
import { UploadTimer } from "../../core/metrics/upload-timer.ts";
import * as uploadFlags from "./upload-options.ts";
import { untilSignal } from "../stop-signal.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { feedBroadcast } from "../../adapters/media/feed-broadcast.ts";
import { PutMediaUploader } from "../../adapters/producer/put-media-uploader.ts";
import { formatUploadStatus } from "../upload-status.ts";
import { Broadcast } from "../../core/media/broadcast.ts";

/** The stream uploaded to on the embedded endpoint when --stream is not given. */
const embeddedStreamName = "kvsrtc";

async function runProducer(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  // The embedded endpoint starts empty, so any name does: the default spares a first try a flag.
  const embedded = settings.region === undefined && settings.endpointUrl === undefined;
  const upload = uploadFlags.uploadSettings(
    embedded ? { stream: embeddedStreamName, ...values } : values,
    true,
  )!;
  const durationS = numberFlag(values, "duration", undefined, 1, 31_536_000);
  const log = consoleLog(settings.logLevel);
  const source = openSourceFlags(values, log);
  const target = await resolveTarget(settings, { log });
  const timer = new UploadTimer();
  const stream = await uploadFlags.openStream(target, upload, log, timer);
  const metrics = values.metrics === true
    ? uploadMetricsPrinter({ role: "producer", stream: stream.name, timer, json: settings.json })
    : undefined;
  const name = upload.streamName;
  const broadcast = new Broadcast({ videoCodec: source.videoCodec });
  const uploader = new PutMediaUploader({
    target,
    broadcast,
    log,
    ...uploadFlags.uploaderOptions(values, upload, stream, target, log),
    timer,
    onAck: (ack, latencyMs) => {
      if (settings.json) printLine(JSON.stringify({ kind: "ack", ...ack, latencyMs }));
      if (ack.eventType === "PERSISTED") showWhereToWatch();
    },
  });
  feedBroadcast(source, broadcast, log);
  log.info(
    `producer uploading ${source.description} to stream ${name} (${stream.arn}, ` +
      `${stream.retentionHours} h retention) on ${target.description}`,
  );
  // Said once the first fragment is stored: before that the page would find nothing to play.
  let shown = target.kind !== "embedded";
  function showWhereToWatch() {
    if (shown) return;
    shown = true;
    printLine(`watch it at ${uploadFlags.recordingsUrl(target, name)}`);
    printLine(
      "(the page plays its HLS; ffplay plays the session URL GetHLSStreamingSessionURL returns)",
    );
  }
  let last = { atMs: performance.now(), bytes: 0 };
  const status = setInterval(() => {
    metrics?.whenComplete();
    const stats = uploader.stats();
    if (!stats || settings.json) return;
    const now = { atMs: performance.now(), bytes: stats.bytesWritten };
    const kbits = ((now.bytes - last.bytes) * 8) / (now.atMs - last.atMs);
    last = now;
    printLine(formatUploadStatus(stats, kbits));
  }, 1_000);
  let durationTimer: ReturnType<typeof setTimeout> | undefined;
  const duration = durationS === undefined
    ? undefined
    : new Promise<string>((resolve) =>
      durationTimer = setTimeout(() => resolve(`${durationS} s passed`), durationS * 1000)
    );
  const failed = uploader.failed.then((error) => ({ error }));
  const how = await Promise.race([
    untilSignal(),
    source.ended,
    failed,
    ...(duration ? [duration] : []),
  ]);
  clearTimeout(durationTimer);
  clearInterval(status);
  if (typeof how !== "string") {
    source.stop();
    await target.close();
    throw new UserError(how.error.message);
  }
  log.info(`${how}: ending the upload`);
  const acknowledged = await uploader.stop(uploadFlags.uploadStopGraceMs);
  source.stop();
  metrics?.now();
  const stats = uploader.stats();
  if (stats) {
    printLine(
      settings.json ? JSON.stringify({ kind: "status", ...stats }) : formatUploadStatus(stats),
    );
  }
  if (!acknowledged) {
    log.warn(
      `the last fragments were not acknowledged within ${uploadFlags.uploadStopGraceMs / 1000} s`,
    );
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
    stream: {
      type: "string",
      arg: "NAME",
      help: `the KVS stream to upload to (default on the embedded endpoint: ${embeddedStreamName})`,
    },
    ...sourceOptions,
    duration: { type: "string", arg: "S", help: "stop after S seconds (default: at SIGINT)" },
    ...uploadFlags.uploadOptions,
    metrics: {
      type: "boolean",
      help: "print how long each upload phase took, once the first fragment is persisted " +
        "(with --json: one JSON object)",
    },
    ...sharedOptions,
    ...helpOption,
  },
  epilog: "With no --region, the producer uploads to the embedded local endpoint (creating " +
    "the stream) and prints the recordings page that plays it. A status line each second; " +
    "--json prints one line per acknowledgement instead, and the totals at the end. SIGINT " +
    "ends the current fragment, waits briefly for its acknowledgement, and exits 0.",
  run: runProducer,
};
