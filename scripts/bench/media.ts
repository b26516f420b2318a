/**
 * Media-path benchmark on loopback, measured in one run:
 *   (a) viewer offer sent -> first frame out of the depacketizer, p50/p95 over 20 runs;
 *   (b) master RSS with 0, 1, 5 and 10 viewers at ~2 Mbit/s (the sample at 50 fps), for the
 *       frame ring (one copy of each frame, descriptors per viewer) and for a copy-per-viewer
 *       baseline: libdatachannel's own H264RtpPacketizer -> RtcpSrReporter -> RtcpNackResponder
 *       chain on each viewer's track, which packetizes each viewer's copy and keeps a copy of
 *       every packet for NACK;
 *   (c) master CPU seconds per viewer-minute (10 viewers against none).
 * The master runs in a child process (this file with --master ring|baseline) so its RSS and CPU
 * are its own; the viewers run here.   bun scripts/bench/media.ts
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import ndc from "node-datachannel";
import { openSignaling, resolveTarget } from "../../adapters/aws/mod.ts";
import { broadcastSource } from "../../adapters/master/broadcast-source.ts";
import { Master } from "../../adapters/master/master.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { ViewerClient } from "../../adapters/viewer/viewer-client.ts";
import { answerOffer } from "../../adapters/webrtc/answer.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";

const channel = "bench";
const fps = 50;
const holdMs = 4000;

async function runMaster(mode: "ring" | "baseline") {
  const target = await resolveTarget({}, {});
  const session = await openSignaling({ target, channel, role: "MASTER", createChannel: true });
  const broadcast = new Broadcast();
  const source = openSource({ fps, loop: true });
  broadcastSource(source, broadcast);
  let viewers = () => 0;
  if (mode === "ring") {
    const master = new Master({
      signaling: session.signaling,
      iceServers: () => session.iceServers,
      broadcast,
      log: silentLog,
      bindAddress: "127.0.0.1",
    });
    viewers = () => master.viewers.size;
  } else {
    const peers = new Map<string, Peer>();
    viewers = () => peers.size;
    session.signaling.on("iceCandidate", (c, id) => id && peers.get(id)?.addRemoteCandidate(c));
    session.signaling.on("sdpOffer", (offer, id) => {
      if (!id) return;
      const peer = new Peer({ name: id, iceServers: [], bindAddress: "127.0.0.1" });
      peer.on("localCandidate", (c) => session.signaling.sendIceCandidate(c, id));
      const { answer, video } = answerOffer(peer, offer, {
        profileLevelId: broadcast.profileLevelId,
        videoSsrc: 1111,
        audioSsrc: 2222,
        cname: "kvsrtc",
      });
      const config = new ndc.RtpPacketizationConfig(1111, "kvsrtc", video!.payloadType, 90000);
      const packetizer = new ndc.H264RtpPacketizer("StartSequence", config, 1188);
      packetizer.addToChain(new ndc.RtcpSrReporter(config));
      packetizer.addToChain(new ndc.RtcpNackResponder());
      video!.native.setMediaHandler(packetizer);
      let started = false;
      const unsubscribe = broadcast.subscribe((frame) => {
        if (frame.kind !== "video" || !video!.isOpen) return;
        if (!started && !frame.keyframe) return;
        started = true;
        config.timestamp = Math.round((frame.timeUs * 90000) / 1e6) >>> 0;
        video!.native.sendMessageBinary(Buffer.from(frame.bytes)); // this viewer's copy
      });
      peer.on("state", (s) => {
        if (s === "closed" || s === "failed") {
          unsubscribe();
          peers.delete(id);
          peer.close();
        }
      });
      peers.set(id, peer);
      session.signaling.sendSdpAnswer(answer, id);
    });
  }
  console.log(JSON.stringify({ url: target.controlPlaneUrl }));
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === "stop") break;
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({
      rss: process.memoryUsage().rss,
      cpuS: (cpu.user + cpu.system) / 1e6,
      viewers: viewers(),
    }));
  }
  process.exit(0);
}

interface Stat {
  rss: number;
  cpuS: number;
  viewers: number;
}

async function startChild(mode: string) {
  const runtimeArgs = process.execPath.includes("deno") ? ["run", "-A"] : [];
  const child = spawn(process.execPath, [...runtimeArgs, import.meta.filename!, "--master", mode], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  const { url } = await next();
  const target = await resolveTarget({ endpointUrl: url, region: "us-west-2" }, {});
  return {
    target,
    async stat(): Promise<Stat> {
      child.stdin!.write("stat\n");
      return await next();
    },
    async stop() {
      child.stdin!.write("stop\n");
      await new Promise((r) => child.once("exit", r));
      await target.close();
    },
  };
}

type Child = Awaited<ReturnType<typeof startChild>>;

async function openViewer(child: Child, id: string) {
  const session = await openSignaling({
    target: child.target,
    channel,
    role: "VIEWER",
    clientId: id,
  });
  const client = new ViewerClient({
    signaling: session.signaling,
    iceServers: [],
    clientId: id,
    bindAddress: "127.0.0.1",
    log: silentLog,
  });
  const offeredAt = performance.now();
  const firstFrame = new Promise<number>((r) => client.once("frame", () => r(performance.now())));
  return {
    client,
    firstFrameMs: firstFrame.then((t) => t - offeredAt),
    close() {
      client.close();
      session.close();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function firstFrameLatency() {
  const child = await startChild("ring");
  await sleep(1500);
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const v = await openViewer(child, `latency-${i}`);
    samples.push(await v.firstFrameMs);
    v.close();
    await sleep(100);
  }
  await child.stop();
  samples.sort((a, b) => a - b);
  console.log(
    `(a) offer sent -> first frame, 20 runs: p50 ${percentile(samples, 50).toFixed(1)} ms, ` +
      `p95 ${percentile(samples, 95).toFixed(1)} ms (goal p50 <= 150 ms)`,
  );
}

async function memoryAndCpu(mode: "ring" | "baseline") {
  const child = await startChild(mode);
  await sleep(2000);
  const rows: { viewers: number; rss: number; cpuPerS: number }[] = [];
  const viewers: Awaited<ReturnType<typeof openViewer>>[] = [];
  for (const count of [0, 1, 5, 10]) {
    while (viewers.length < count) {
      viewers.push(await openViewer(child, `${mode}-${viewers.length}`));
    }
    await Promise.all(viewers.map((v) => v.firstFrameMs));
    await sleep(1000); // retransmit windows and buffers fill
    const before = await child.stat();
    await sleep(holdMs);
    const after = await child.stat();
    if (after.viewers !== count) throw new Error(`${mode}: ${after.viewers} viewers, not ${count}`);
    rows.push({
      viewers: count,
      rss: after.rss,
      cpuPerS: (after.cpuS - before.cpuS) / (holdMs / 1000),
    });
  }
  const frames = viewers.map((v) => v.client.stats.frames);
  for (const v of viewers) v.close();
  await child.stop();
  return { rows, frames };
}

if (process.argv[2] === "--master") {
  await runMaster(process.argv[3] as "ring" | "baseline");
} else {
  await firstFrameLatency();
  const ring = await memoryAndCpu("ring");
  const baseline = await memoryAndCpu("baseline");
  console.log(`(b) master RSS at ~2 Mbit/s (${fps} fps sample), MB:`);
  console.log("    viewers   frame ring   copy-per-viewer baseline");
  ring.rows.forEach((r, i) =>
    console.log(
      `    ${String(r.viewers).padStart(7)}   ${mb(r.rss).padStart(10)}   ${
        mb(baseline.rows[i].rss).padStart(10)
      }`,
    )
  );
  const perViewer = (rows: typeof ring.rows) => (rows[3].rss - rows[0].rss) / 10;
  console.log(
    `    per extra viewer (0 -> 10): frame ring ${mb(perViewer(ring.rows))} MB, baseline ` +
      `${mb(perViewer(baseline.rows))} MB (goal <= 1 MB and >= 3x less than the baseline)`,
  );
  const cpu = (rows: typeof ring.rows) => ((rows[3].cpuPerS - rows[0].cpuPerS) * 60) / 10;
  console.log(
    `(c) master CPU per viewer-minute: frame ring ${cpu(ring.rows).toFixed(2)} s, baseline ` +
      `${cpu(baseline.rows).toFixed(2)} s`,
  );
  console.log(
    `    frames each viewer received: ${ring.frames.join(" ")} | ${baseline.frames.join(" ")}`,
  );
  process.exit(0);
}
