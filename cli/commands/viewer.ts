import type { Command, Values } from "../command.ts";
import { UsageError, UserError } from "../command.ts";
import { helpOption, sharedOptions, sharedSettings } from "../shared-options.ts";
import { consoleLog } from "../console-log.ts";
import { printLine } from "../output.ts";
import { bindAddressOption, numberFlag, openChannel } from "./media-options.ts";
import { untilSignal } from "../stop-signal.ts";
import { resolveTarget } from "../../adapters/aws/mod.ts";
import { maxOutDirBytes, OutDir } from "../../adapters/viewer/out-dir.ts";
import { TimestampsFile } from "../../adapters/viewer/timestamps-file.ts";
import { ViewerClient, type ViewerStats } from "../../adapters/viewer/viewer-client.ts";
import { iceBindAddress } from "../../adapters/webrtc/bind-address.ts";
import { finishClosing } from "../../adapters/webrtc/finish-closing.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { metricsOption, printConnectionMetrics } from "../metrics-output.ts";

/**
 * TEST ONLY: the viewer sends one PLI right after its Nth frame, so a test can see what the
 * master's answer (its GOP sent again from the newest keyframe) does to the frames written.
 */
const testPliEnv = "KVSRTC_TEST_ONLY_PLI_AFTER_FRAMES";

/** One status line from two snapshots `seconds` apart. */
function statusLine(now: ViewerStats, before: ViewerStats, seconds: number) {
  const packets = now.packets - before.packets;
  const lost = now.packetsLost - before.packetsLost;
  return {
    fps: (now.frames - before.frames) / seconds,
    mbps: ((now.videoBytes + now.audioBytes - before.videoBytes - before.audioBytes) * 8) /
      seconds / 1e6,
    lossPercent: packets + lost > 0 ? (100 * Math.max(0, lost)) / (packets + lost) : 0,
    rttMs: now.roundTripMs,
    frames: now.frames,
  };
}

async function runViewer(values: Values): Promise<number> {
  const settings = sharedSettings(values);
  const log = consoleLog(settings.logLevel);
  const frames = numberFlag(values, "frames", undefined, 1, 1e9);
  const duration = numberFlag(values, "duration", undefined, 0.1, 1e7, false);
  const timeoutS = numberFlag(values, "timeout", 30, 1, 3600)!;
  const clientId = values["client-id"] as string | undefined;
  if (clientId !== undefined && !/^[a-zA-Z0-9_.-]{1,256}$/.test(clientId)) {
    throw new UsageError(`--client-id "${clientId}" must be 1-256 of a-z A-Z 0-9 _ . -`);
  }
  const pliAfter = Number(process.env[testPliEnv]);
  const maxOutMb = numberFlag(values, "max-out-mb", maxOutDirBytes / 2 ** 20, 1, 2 ** 30)!;
  const out = values.out === undefined
    ? undefined
    : new OutDir(values.out as string, maxOutMb * 2 ** 20);
  let timestamps: TimestampsFile | undefined;
  if (values.timestamps !== undefined) {
    try {
      timestamps = new TimestampsFile(values.timestamps as string);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  }
  const storage = values.storage === true;
  const timer = new ConnectionTimer();
  const target = await resolveTarget(settings, { log });
  const session = await openChannel(target, {
    channel: settings.channel,
    role: "VIEWER",
    clientId,
    timer,
    log,
    storage,
  });
  const client = new ViewerClient({
    signaling: session.signaling,
    iceServers: session.iceServers,
    clientId: session.clientId!,
    bindAddress: iceBindAddress(target, values["bind-address"] as string | undefined),
    timer,
    log,
    connectTimeoutMs: timeoutS * 1000,
    trickleEarly: values["trickle-early"] === true,
    storageViewer: storage,
  });
  const finish = async () => {
    client.close();
    timestamps?.close();
    // Before the process exits, so the master sees this viewer leave now (see finishClosing).
    finishClosing();
    session.close();
    await target.close();
  };
  let settled = false;
  let settle: (code: number) => void;
  const result = new Promise<number>((resolve) => (settle = resolve));
  const done = (code: number) => {
    settled = true;
    settle(code);
  };
  // Frames the master sends again after a PLI are not "frame" events (counted as repeated).
  // Frames past --frames N are not taken: the master's catch-up burst (its GOP from the newest
  // keyframe) to a viewer that joins mid-GOP, and what comes while this viewer closes.
  let taken = 0;
  client.on("frame", (au) => {
    if (taken === frames) return;
    taken++;
    if (out?.writeFrame(au.data, client.videoCodec, au.timestamp) === false) outFull();
    stamp("video", au.timestamp, au.data.length, au.keyframe);
    if (taken === pliAfter) client.requestKeyframe();
    if (taken === frames) done(0);
  });
  let timestampsFullWarned = false;
  function stamp(track: "video" | "audio", rtpTimestamp: number, bytes: number, key?: boolean) {
    const written = timestamps?.write({
      track,
      rtpTimestamp,
      senderTimeMs: client.senderTimeMs(track, rtpTimestamp) ?? null,
      receivedAtMs: Date.now(),
      bytes,
      ...(key === undefined ? {} : { keyframe: key }),
    });
    if (written !== false || timestampsFullWarned) return;
    timestampsFullWarned = true;
    log.warn(`--timestamps ${timestamps!.path}: nothing more is written: ${timestamps!.full}`);
  }
  let outFullWarned = false;
  const outFull = () => {
    if (outFullWarned || !out?.full) return;
    outFullWarned = true;
    log.warn(`--out ${out.dir}: nothing more is written: ${out.full}`);
  };
  client.on("audio", (packet, timestamp) => {
    if (out?.writeAudio(packet) === false) outFull();
    stamp("audio", timestamp, packet.length);
  });
  client.on("message", (text) => printLine(`message from the master: ${text}`));
  session.signaling.once("superseded", () =>
    log.warn(
      `another viewer connected to channel ${settings.channel} with client id ` +
        `${session.clientId}: this one gets no more signaling (its media keeps flowing)`,
    ));
  // Until it connects, a close rejects client.connected(), which reports it (one line).
  let connectedYet = false;
  client.on("closed", (reason) => {
    if (settled || !connectedYet) return;
    log.error(`${reason} after ${taken} frames`);
    done(frames === undefined && duration === undefined ? 0 : 1);
  });
  const message = values.message as string | undefined;
  if (message !== undefined) {
    client.once("dataChannelOpen", () => {
      if (!client.sendMessage(message)) log.warn("could not send --message on the data channel");
    });
  }
  let stopSignal: string | undefined;
  try {
    if (storage) await session.joinStorageSession();
    // A stop while connecting ends it there, as it does once connected.
    stopSignal = await Promise.race([untilSignal(), client.connected().then(() => undefined)]);
  } catch (error) {
    settled = true;
    await finish();
    throw new UserError((error as Error).message);
  }
  connectedYet = true;
  if (stopSignal !== undefined) {
    settled = true;
    log.info(`${stopSignal}: stopping before it connected`);
    await finish();
    return 0;
  }
  const pair = client.peer.selectedCandidatePair();
  const peerName = storage ? "the storage session's media server" : "the master";
  log.info(`viewer ${session.clientId} connected to ${peerName}${pair ? ` via ${pair}` : ""}`);
  let metricsPrinted = values.metrics !== true;
  const printMetrics = () => {
    if (metricsPrinted) return;
    metricsPrinted = true;
    printConnectionMetrics({
      role: "viewer",
      channel: settings.channel,
      clientId: session.clientId,
      timer,
      json: settings.json,
    });
  };
  timer.completed().then(printMetrics);

  const started = performance.now();
  let before = client.stats;
  const status = setInterval(() => {
    const now = client.stats;
    const s = statusLine(now, before, 1);
    before = now;
    if (settings.json) printLine(JSON.stringify({ status: s }));
    else {
      log.info(
        `${((performance.now() - started) / 1000).toFixed(0)} s: ${s.fps.toFixed(1)} fps, ` +
          `${s.mbps.toFixed(2)} Mbit/s, loss ${s.lossPercent.toFixed(1)}%, RTT ${
            s.rttMs === undefined ? "n/a" : `${s.rttMs} ms`
          }, ${s.frames} frames`,
      );
    }
  }, 1000);
  const durationTimer = duration === undefined
    ? undefined
    : setTimeout(() => done(0), duration * 1000);
  untilSignal().then(() => done(0));
  const code = await result;
  clearInterval(status);
  clearTimeout(durationTimer);
  printMetrics(); // if it ends before every phase settled, print what there is
  const stats = client.stats;
  log.info(
    `received ${taken} frames` +
      (stats.framesRepeated ? ` (and ${stats.framesRepeated} repeated ones, skipped)` : "") +
      ` and ${stats.audioPackets} audio packets` +
      (out ? ` into ${out.dir}` : "") +
      `; ${stats.packetsLost} packets lost, ${stats.nacksSent} NACKs, ${stats.plisSent} PLIs` +
      (stats.packetsShed ? `, ${stats.packetsShed} packets dropped on arrival` : "") +
      (stats.messagesDropped ? `, ${stats.messagesDropped} data-channel messages dropped` : ""),
  );
  await finish();
  return code;
}

export const viewer: Command = {
  name: "viewer",
  summary: "connect as VIEWER, receive media and data-channel messages",
  usage: "kvsrtc viewer [--out DIR] [--timestamps FILE] [--frames N | --duration S] [options]",
  waitsForStop: true,
  options: {
    out: {
      type: "string",
      arg: "DIR",
      help: "write each access unit as DIR/frame-0001.h264 ... (H.265: .h265, Annex-B; VP8: " +
        "all frames in DIR/video.ivf) and audio as audio-0001.opus ...",
    },
    timestamps: {
      type: "string",
      arg: "FILE",
      help: "write a JSON line per frame and audio packet written (as --out numbers them): " +
        "track, rtpTimestamp, senderTimeMs (when the master's clock says it was live, from " +
        "its RTCP sender reports: one clock for audio and video, null before a track's first " +
        "report), receivedAtMs (this viewer's clock), bytes, keyframe",
    },
    "max-out-mb": {
      type: "string",
      arg: "N",
      help: `stop writing to --out once it holds N MiB (default ${maxOutDirBytes / 2 ** 20})`,
    },
    frames: { type: "string", arg: "N", help: "exit 0 after N complete frames" },
    duration: { type: "string", arg: "S", help: "exit 0 after S seconds" },
    message: { type: "string", arg: "TEXT", help: "send TEXT on the data channel once it opens" },
    "client-id": { type: "string", arg: "ID", help: "viewer client id (default: random)" },
    timeout: {
      type: "string",
      arg: "S",
      help: "give up (exit 1) when not connected within S seconds (default 30)",
    },
    storage: {
      type: "boolean",
      help: "join the channel's storage session as a viewer (JoinStorageSessionAsViewer): the " +
        "media server offers the master's media, instead of this viewer offering to the master",
    },
    "trickle-early": {
      type: "boolean",
      help: "FOR TESTING: send ICE candidates as they are gathered, before the master's " +
        "answer, as browsers and the KVS SDKs do (default: once the answer is applied; " +
        "measured, trickling early makes no viewer faster)",
    },
    ...bindAddressOption,
    ...metricsOption,
    ...sharedOptions,
    ...helpOption,
  },
  epilog: "A status line (fps, bitrate, loss, RTT) is printed every second on stderr " +
    "(JSON lines on stdout with --json). Exits 1 if it never connects.",
  run: runViewer,
};
