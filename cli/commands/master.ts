import type { Command, Values } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import {
  bindAddressOption,
  connecting,
  numberFlag,
  openSourceFlags,
  sourceOptions,
} from "./media-options.ts";
import * as uploadFlags from "./upload-options.ts";
import { formatUploadStatus } from "../upload-status.ts";
import { untilSignal } from "../stop-signal.ts";
import { kvsrtc } from "../invocation.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { startMaster } from "../../adapters/master/start-master.ts";
import { dropVideoRtp } from "../../adapters/master/test-loss.ts";
import { iceBindAddress } from "../../adapters/webrtc/bind-address.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { metricsOption, printConnectionMetrics } from "../metrics-output.ts";

/** The upload's status line, with --stream: every 10 s (a master's log is mostly its viewers). */
const uploadStatusEveryMs = 10_000;

/**
 * TEST ONLY: drop every Nth video RTP packet before its first transmission (network loss cannot
 * be simulated in this kernel); the viewer must get every frame whole through NACK.
 */
const testDropEnv = "KVSRTC_TEST_ONLY_DROP_EVERY_NTH_VIDEO_RTP";

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

async function runMaster(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  const log = consoleLog(settings.logLevel);
  const maxViewers = numberFlag(values, "max-viewers", 10, 1, 10)!;
  const upload = uploadFlags.uploadSettings(values, false);
  const source = openSourceFlags(values, log);
  const timer = new ConnectionTimer();
  const target = await resolveTarget(settings, { log });
  const stream = upload && await uploadFlags.openStream(target, upload, log);
  const running = await connecting(target, () =>
    startMaster({
      upload: upload && stream &&
        uploadFlags.uploaderOptions(values, upload, stream, target, log),
      target,
      channel: settings.channel,
      source,
      log,
      maxViewers,
      bindAddress: iceBindAddress(target, values["bind-address"] as string | undefined),
      timer,
    }));
  const { session, master } = running;
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
  master.on("viewerLeft", (id, reason, viewer) => {
    const video = viewer.senders.get("video")?.sender.stats;
    log.info(
      `viewer ${id} left: ${reason} (${count()})` +
        (video
          ? `; ${video.framesSent} video frames sent, ${video.keyframeRequests} PLI/FIR, ` +
            `${video.keyframeRestarts} keyframe restarts`
          : ""),
    );
  });
  master.on("message", (id, text) => console.log(`message from ${id}: ${text}`));
  let stopping = false;
  source.ended.then((how) => {
    if (!stopping) log.warn(`${how}; still serving ${count()} (no new frames)`);
  });
  log.info(
    `master on channel ${settings.channel} (${session.channelArn}), streaming ${source.description}`,
  );
  console.log(`view it with: ${viewCommand(target, settings.channel)}`);
  if (target.kind === "embedded") {
    console.log(`or in a browser: ${viewerPageUrl(target.controlPlaneUrl, settings.channel)}`);
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
    if (target.kind === "embedded") {
      console.log(`its recording: ${uploadFlags.recordingsUrl(target, stream.name)}`);
    }
  }
  const status = setInterval(() => {
    const stats = uploader?.stats();
    if (stats) log.info(`upload: ${formatUploadStatus(stats)}`);
  }, uploadStatusEveryMs);
  const signal = await untilSignal();
  stopping = true;
  log.info(`${signal}: stopping`);
  clearInterval(status);
  await uploader?.stop(uploadFlags.uploadStopGraceMs);
  running.stop();
  await target.close();
  return 0;
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
      help: "also upload the source to this KVS stream (PutMedia), from the same frame rings",
    },
    ...uploadFlags.uploadOptions,
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
