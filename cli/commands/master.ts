import type { Command, Values } from "../command.ts";
import { UsageError, UserError } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { printLine } from "../output.ts";
import {
  bindAddressOption,
  connecting,
  numberFlag,
  openSourceFlags,
  sourceOptions,
} from "./media-options.ts";
import * as uploadFlags from "./upload-options.ts";
import { formatUploadStatus } from "../upload-status.ts";
import { formatBandwidthStatus } from "../bandwidth-status.ts";
import { untilSignal } from "../stop-signal.ts";
import { kvsrtc } from "../invocation.ts";
import { kvsClientFor, kvsFailureMessage, resolveTarget } from "../../adapters/aws/mod.ts";
import { prepareStorageChannel } from "../../adapters/aws/media-storage.ts";
import { StorageJoin } from "../../adapters/master/storage-join.ts";
import { withOpusSilence } from "../../adapters/media/opus-silence-source.ts";
import { startMaster } from "../../adapters/master/start-master.ts";
import { dropVideoRtp } from "../../adapters/master/test-loss.ts";
import { iceBindAddress } from "../../adapters/webrtc/bind-address.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { UploadTimer } from "../../core/metrics/upload-timer.ts";
import {
  bandwidthLine,
  bitrateText,
  metricsOption,
  printConnectionMetrics,
  uploadMetricsPrinter,
} from "../metrics-output.ts";
import { type BandwidthEvent, bandwidthRecord } from "../../core/metrics/records.ts";
import type { BandwidthEstimate } from "../../core/congestion/peer-congestion.ts";
import { declaredBitrate } from "../../core/media/source-bitrate.ts";

/**
 * The status lines, every 10 s (a master's log is mostly its viewers): the upload's, with
 * --stream, and the bandwidth its viewers' estimates say they can take, once one has one.
 */
const statusEveryMs = 10_000;

/**
 * TEST ONLY: drop every Nth video RTP packet before its first transmission (network loss cannot
 * be simulated in this kernel); the viewer must get every frame whole through NACK.
 */
const testDropEnv = "KVSRTC_TEST_ONLY_DROP_EVERY_NTH_VIDEO_RTP";

/** How often `--metrics` prints each viewer's bandwidth estimate. */
const bandwidthPrintIntervalMs = 10_000;

function testDropEvery(env: Record<string, string | undefined>): number | undefined {
  const every = Number(env[testDropEnv]);
  return Number.isInteger(every) && every >= 2 ? every : undefined;
}

function viewCommand(
  target: { kind: string; controlPlaneUrl: string; region: string },
  channel: string,
) {
  const where = target.kind === "aws"
    ? `--region ${target.region}`
    : `--endpoint-url ${target.controlPlaneUrl}`;
  return `${kvsrtc()} viewer ${where} --channel ${channel}`;
}

/** `kvsrtc storage`, or `kvsrtc master --storage`. */
function wantsStorage(values: Values): boolean {
  return values.storage === true;
}

async function runMaster(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  const storage = wantsStorage(values);
  if (values["create-stream"] === true && values.stream === undefined) {
    throw new UsageError("--create-stream needs --stream NAME");
  }
  const log = consoleLog(settings.logLevel);
  const maxViewers = numberFlag(values, "max-viewers", 10, 1, 10)!;
  // --stream uploads with PutMedia; with --storage (kvsrtc storage) it names the stream the
  // storage session records into instead.
  const upload = storage ? undefined : uploadFlags.uploadSettings(values, false);
  let source = openSourceFlags(values, log);
  if (storage) {
    source = withOpusSilence(source, () =>
      log.info(
        "the source has no audio: sending Opus silence (a storage session records H.264 and Opus)",
      ));
  }
  const timer = new ConnectionTimer();
  const target = await resolveTarget(settings, { log });
  const uploadTimer = new UploadTimer();
  const stream = upload && await uploadFlags.openStream(target, upload, log, uploadTimer);
  const uploadMetrics = stream && values.metrics
    ? uploadMetricsPrinter({
      role: "master",
      stream: stream.name,
      timer: uploadTimer,
      json: settings.json,
    })
    : undefined;
  if (storage) {
    const { streamArn } = await connecting(
      target,
      () =>
        prepareStorageChannel(kvsClientFor(target, log), settings.channel, {
          stream: values.stream as string | undefined,
          createStream: values["create-stream"] === true,
        }),
    );
    if (!streamArn) {
      await target.close();
      throw new UserError(
        `channel ${settings.channel} is not mapped to a stream: map it with ` +
          `${kvsrtc()} storage --channel ${settings.channel} --stream NAME ` +
          "(add --create-stream to create the stream)",
      );
    }
    log.info(`channel ${settings.channel} records into ${streamArn}`);
  }
  const running = await connecting(target, () =>
    startMaster({
      upload: upload && stream &&
        { ...uploadFlags.uploaderOptions(values, upload, stream, target, log), timer: uploadTimer },
      target,
      channel: settings.channel,
      source,
      log,
      maxViewers,
      bindAddress: iceBindAddress(target, values["bind-address"] as string | undefined),
      timer,
      storage,
      adaptation: values["no-adaptation"] !== true,
    }));
  const { session, master } = running;
  const storageJoin = storage ? await joinStorage(running, log) : undefined;
  const gaveUp = storageJoin?.gaveUp ?? new Promise<never>(() => {});
  if (values.metrics) {
    master.on("storageConnected", () => {
      const connectionTimer = master.storage?.timer;
      connectionTimer?.completed().then(() =>
        printConnectionMetrics({
          role: "master",
          channel: settings.channel,
          timer: connectionTimer,
          json: settings.json,
        })
      );
    });
  }
  const dropEvery = testDropEvery(process.env);
  if (dropEvery) {
    let n = 0;
    dropVideoRtp(master, () => ++n % dropEvery === 0);
  }
  const count = () => `${master.viewers.size} viewer${master.viewers.size === 1 ? "" : "s"}`;
  master.on("viewerJoined", (id) => log.info(`viewer ${id} offered; answering (${count()})`));
  master.on("viewerConnected", (id) => {
    const pair = master.viewers.get(id)?.peer.selectedCandidatePair();
    log.info(`viewer ${id} connected${pair ? ` via ${pair}` : ""}`);
    const connectionTimer = master.viewers.get(id)?.timer;
    if (values.metrics && connectionTimer) {
      connectionTimer.completed().then(() =>
        printConnectionMetrics({
          role: "master",
          channel: settings.channel,
          clientId: id,
          timer: connectionTimer,
          json: settings.json,
        })
      );
    }
  });
  const printBandwidth = (clientId: string, event: BandwidthEvent, estimate: BandwidthEstimate) => {
    if (!values.metrics) return;
    const record = bandwidthRecord({ channel: settings.channel, clientId, event, estimate });
    printLine(settings.json ? JSON.stringify(record) : bandwidthLine(record));
  };
  /** Per viewer: when its estimate was last printed, and whether it gets keyframes only. */
  const printedAt = new Map<string, number>();
  const keyframesOnly = new Map<string, boolean>();
  master.on("bandwidthEstimate", (id, estimate) => {
    if (estimate.keyframesOnly !== (keyframesOnly.get(id) ?? false)) {
      keyframesOnly.set(id, estimate.keyframesOnly);
      const bitrates = `estimate ${bitrateText(estimate.estimateBps)}, stream ` +
        bitrateText(estimate.streamBps);
      log.info(
        estimate.keyframesOnly
          ? `viewer ${id} cannot take the stream (${bitrates}): keyframes only`
          : `viewer ${id} can take the stream again (${bitrates}): every frame`,
      );
      printBandwidth(id, estimate.keyframesOnly ? "keyframesOnly" : "everyFrame", estimate);
      return;
    }
    const now = performance.now();
    if (now - (printedAt.get(id) ?? now - bandwidthPrintIntervalMs) >= bandwidthPrintIntervalMs) {
      printedAt.set(id, now);
      printBandwidth(id, "periodic", estimate);
    }
  });
  master.on("viewerLeft", (id, reason, viewer) => {
    const video = viewer.senders.get("video")?.sender.stats;
    const estimate = viewer.congestion?.estimate;
    log.info(
      `viewer ${id} left: ${reason} (${count()})` +
        (video
          ? `; ${video.framesSent} video frames sent, ${video.keyframeRequests} PLI/FIR, ` +
            `${video.keyframeRestarts} keyframe restarts`
          : "") +
        (estimate && video
          ? `; bandwidth estimate ${bitrateText(estimate.estimateBps)}, ` +
            `${video.framesHeldBack} frames held back (keyframes only)`
          : ""),
    );
    printedAt.delete(id);
    keyframesOnly.delete(id);
    if (estimate) printBandwidth(id, "left", estimate);
  });
  master.on("message", (id, text) => printLine(`message from ${id}: ${text}`));
  let stopping = false;
  source.ended.then((how) => {
    if (!stopping) log.warn(`${how}; still serving ${count()} (no new frames)`);
  });
  log.info(
    `master on channel ${settings.channel} (${session.channelArn}), streaming ${source.description}`,
  );
  printLine(`view it with: ${viewCommand(target, settings.channel)}`);
  if (target.kind === "embedded") {
    printLine(`or in a browser: ${viewerPageUrl(target.controlPlaneUrl, settings.channel)}`);
  }
  // A newer master on the channel takes precedence; this one does not fight it back, and keeps
  // serving its viewers (and the embedded endpoint, which the newer master may be using).
  session.signaling.once("superseded", () =>
    log.error(
      `another master connected to channel ${settings.channel} and took it over: new viewers ` +
        `go to it; the ${count()} here keep streaming until they leave`,
    ));
  const { uploader } = running;
  if (uploader && stream) {
    log.info(`also uploading to stream ${stream.name} (${stream.arn})`);
    // The viewers go on without the upload: a stream refused for good ends only the upload.
    uploader.failed.then((error) => log.error(error.message));
    if (target.kind === "embedded") {
      printLine(`its recording: ${uploadFlags.recordingsUrl(target, stream.name)}`);
    }
  }
  const declared = typeof values.source === "string" ? declaredBitrate(values.source) : undefined;
  const status = setInterval(() => {
    const stats = uploader?.stats();
    if (stats) log.info(`upload: ${formatUploadStatus(stats)}`);
    const estimates = [...master.viewers.values()]
      .flatMap((v) => v.congestion?.fedBack ? [v.congestion.estimate] : []);
    const bandwidth = formatBandwidthStatus(
      estimates.map((e) => e.estimateBps),
      estimates[0]?.streamBps ?? NaN,
      declared,
    );
    if (bandwidth) log.info(bandwidth);
  }, statusEveryMs);
  const uploadMetricsCheck = uploadMetrics &&
    setInterval(() => uploadMetrics.whenComplete(), 1_000);
  const ended = await Promise.race([untilSignal(), gaveUp]);
  stopping = true;
  const exitCode = ended.startsWith("SIG") ? 0 : 1;
  if (exitCode === 0) log.info(`${ended}: stopping`);
  else log.error(ended);
  clearInterval(status);
  clearInterval(uploadMetricsCheck);
  storageJoin?.stop();
  await uploader?.stop(uploadFlags.uploadStopGraceMs);
  uploadMetrics?.now();
  running.stop();
  await target.close();
  return exitCode;
}

/**
 * Joins the storage session (a refused first join is a UserError); resolves with a message
 * when joining is given up, to end the command with it.
 */
async function joinStorage(
  running: Awaited<ReturnType<typeof startMaster>>,
  log: ReturnType<typeof consoleLog>,
): Promise<{ gaveUp: Promise<string>; stop(): void }> {
  const { session, master } = running;
  const join = new StorageJoin({ session, master, log });
  const gaveUp = new Promise<string>((resolve) =>
    join.once("gaveUp", (reason) => resolve(`the storage session: giving up: ${reason}`))
  );
  join.on("recording", () => log.info("the storage session is connected: recording"));
  master.on("storageJoined", () => log.info("the storage session offered; answering"));
  try {
    await join.start();
  } catch (error) {
    running.stop();
    throw new UserError(kvsFailureMessage(error) ?? (error as Error).message);
  }
  // In an object: an async function's returned promise would be waited for.
  return { gaveUp, stop: () => join.stop() };
}

export const master: Command = {
  name: "master",
  summary: "connect as MASTER and stream the source to up to 10 viewers",
  usage: "kvsrtc master [--source frames/] [options]",
  waitsForStop: true,
  options: {
    ...sourceOptions,
    "max-viewers": {
      type: "string",
      arg: "N",
      help: "viewers served at once, 1-10 (default 10, the KVS limit)",
    },
    stream: {
      type: "string",
      arg: "NAME",
      help: "also upload the source to this KVS stream (PutMedia), from the same frame rings; " +
        "with --storage, the stream the storage session records into (the channel is mapped to " +
        "it with UpdateMediaStorageConfiguration)",
    },
    storage: {
      type: "boolean",
      help: "also join the channel's storage session, so its stream records it (kvsrtc storage)",
    },
    ...uploadFlags.uploadOptions,
    "no-adaptation": {
      type: "boolean",
      help: "send every frame to every viewer whatever its bandwidth estimate (by default a " +
        "viewer whose transport-cc estimate stays below the stream's bitrate gets keyframes " +
        "only until it recovers)",
    },
    ...bindAddressOption,
    ...metricsOption,
    ...sharedOptions,
    ...helpOption,
  },
  epilog: "With no --region, the master starts the embedded local endpoint and prints the one " +
    "command that views it (and the browser viewer page's URL). Viewers' data-channel " +
    "messages are printed and echoed back.",
  run: runMaster,
};

/** `kvsrtc master --storage` under its own name. */
export function runStorage(values: Values): Promise<number> {
  return runMaster({ ...values, storage: true });
}
