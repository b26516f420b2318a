import type { Command, Values } from "../command.ts";
import { UserError } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { bindAddressOption, connecting, numberFlag } from "./media-options.ts";
import { untilSignal } from "../stop-signal.ts";
import { kvsrtc } from "../invocation.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { startMaster } from "../../adapters/master/start-master.ts";
import { dropVideoRtp } from "../../adapters/master/test-loss.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { iceBindAddress } from "../../adapters/webrtc/bind-address.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import {
  bandwidthLine,
  bitrateText,
  metricsOption,
  printConnectionMetrics,
} from "../metrics-output.ts";
import { type BandwidthEvent, bandwidthRecord } from "../../core/metrics/records.ts";
import type { BandwidthEstimate } from "../../core/congestion/peer-congestion.ts";

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

async function runMaster(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  const log = consoleLog(settings.logLevel);
  const fps = numberFlag(values, "fps", 30, 1, 240, false)!;
  const maxViewers = numberFlag(values, "max-viewers", 10, 1, 10)!;
  let source;
  try {
    source = openSource({
      source: values.source as string | undefined,
      audio: values.audio as string | undefined,
      fps,
      paceStdin: values.fps !== undefined,
      loop: values.loop === true ? true : undefined,
      warn: (message) => log.warn(message),
    });
  } catch (error) {
    throw new UserError(`cannot open the source: ${(error as Error).message}`);
  }
  const timer = new ConnectionTimer();
  const target = await resolveTarget(settings, { log });
  const running = await connecting(target, () =>
    startMaster({
      target,
      channel: settings.channel,
      source,
      log,
      maxViewers,
      bindAddress: iceBindAddress(target, values["bind-address"] as string | undefined),
      timer,
      adaptation: values["no-adaptation"] !== true,
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
  const printBandwidth = (clientId: string, event: BandwidthEvent, estimate: BandwidthEstimate) => {
    if (!values.metrics) return;
    const record = bandwidthRecord({ channel: settings.channel, clientId, event, estimate });
    console.log(settings.json ? JSON.stringify(record) : bandwidthLine(record));
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
  const signal = await untilSignal();
  stopping = true;
  log.info(`${signal}: stopping`);
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
    source: {
      type: "string",
      arg: "SOURCE",
      help: "a directory of access-unit files (sorted by name); a file: MP4/MOV or " +
        "Matroska/WebM (its H.264 video and Opus audio, at the file's own timestamps) or " +
        "Annex-B H.264, told apart by content; - (Annex-B on stdin, sent as it comes, or at " +
        "--fps if given); gst:PIPELINE or ffmpeg:ARGS (H.264 on their stdout); " +
        "default: the built-in sample",
    },
    audio: {
      type: "string",
      arg: "DIR",
      help: "a directory of Opus packet files (*.opus); replaces a container file's own audio",
    },
    fps: {
      type: "string",
      arg: "N",
      help: "frame rate of frame directories and Annex-B files (default 30), and of stdin " +
        "when given",
    },
    loop: {
      type: "boolean",
      help: "start file sources (directories, Annex-B and container files) over at their end " +
        "(always for the sample)",
    },
    "max-viewers": {
      type: "string",
      arg: "N",
      help: "viewers served at once, 1-10 (default 10, the KVS limit)",
    },
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
