/**
 * Media-path benchmark on loopback, measured in one run:
 *   (a) viewer offer sent -> first frame out of the depacketizer, p50/p95 over 20 runs;
 *   (b) master memory with 0, 1, 5 and 10 viewers at ~2 Mbit/s (the sample at 50 fps): RSS as
 *       found, and anonymous RSS after a full GC (what the master keeps), for the
 *       frame ring (one copy of each frame, descriptors per viewer) and for a copy-per-viewer
 *       baseline: libdatachannel's own H264RtpPacketizer -> RtcpSrReporter -> RtcpNackResponder
 *       chain on each viewer's track, which packetizes each viewer's copy and keeps a copy of
 *       every packet for NACK;
 *   (c) master CPU seconds per viewer-minute (10 viewers against none).
 * Both designs keep the same retransmit window: the frame ring holds `windowS` of media, and the
 * baseline's NACK responder the same number of packets (the ring run measures the packet rate).
 * A third master, "peers", runs the baseline's chain without the NACK responder: its RSS against
 * the baseline's is what the per-viewer packet copies cost, apart from the connections themselves.
 * The master runs in a child process (this file with --master ring|baseline) so its RSS and CPU
 * are its own; the viewers and the local endpoint run here (on a device the signaling service is
 * elsewhere).   bun scripts/bench/media.ts
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import ndc from "node-datachannel";
import { openSignaling, resolveTarget } from "../../adapters/aws/mod.ts";
import { broadcastSource } from "../../adapters/master/broadcast-source.ts";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { Master } from "../../adapters/master/master.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { ViewerClient } from "../../adapters/viewer/viewer-client.ts";
import { answerOffer } from "../../adapters/webrtc/answer.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";
import { runtime } from "../../adapters/runtime/mod.ts";

const channel = "bench";
const fps = 50;
const holdMs = 4000;
/** The retransmit window of both designs (the KVS C SDK keeps about 3 s of packets). */
const windowS = 3;

type Mode = "ring" | "baseline" | "peers";

async function runMaster(mode: Mode, nackPackets: number, endpointUrl: string) {
  const rt = await runtime();
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  const session = await openSignaling({ target, channel, role: "MASTER", createChannel: true });
  const broadcast = new Broadcast({ ring: { windowUs: windowS * 1e6 } });
  const source = openSource({ fps, loop: true });
  broadcastSource(source, broadcast);
  let viewers = () => 0;
  let retransmit = () => ({ videoPackets: 0, videoOctets: 0, descriptors: 0 });
  if (mode === "ring") {
    const master = new Master({
      signaling: session.signaling,
      iceServers: () => session.iceServers,
      broadcast,
      log: silentLog,
      bindAddress: "127.0.0.1",
    });
    viewers = () => master.viewers.size;
    retransmit = () => {
      const senders = [...master.viewers.values()].flatMap((v) => [...v.senders.values()]);
      const video = senders.filter((s) => s.track.kind === "video").map((s) => s.sender);
      return {
        videoPackets: video.reduce((n, s) => n + s.stats.packetsSent, 0),
        videoOctets: video.reduce((n, s) => n + s.stats.octetsSent, 0),
        descriptors: senders.reduce((n, s) => n + s.sender.retransmitBuffer.size, 0),
      };
    };
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
      if (mode === "baseline") packetizer.addToChain(new ndc.RtcpNackResponder(nackPackets));
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
  console.log(JSON.stringify({ ready: true }));
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === "stop") break;
    const cpu = process.cpuUsage();
    const atS = performance.now() / 1000;
    const sent = retransmit();
    const asFound = memory();
    if (!rt.collectGarbage()) throw new Error("no full GC in this runtime (Deno: --expose-gc)");
    await sleep(500); // the allocator hands freed pages back shortly after a collection
    const kept = memory();
    console.log(JSON.stringify({
      rss: asFound.rss,
      keptRssAnon: kept.rssAnon,
      heapUsed: kept.heapUsed,
      cpuS: (cpu.user + cpu.system) / 1e6,
      atS,
      viewers: viewers(),
      ringBytes: broadcast.video.bytes + broadcast.audio.bytes,
      ...sent,
    }));
  }
  process.exit(0);
}

/** RSS, its anonymous part (not code or files paged in), and the JS heap in use, in bytes. */
function memory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))![1]);
  return {
    rss: kb("VmRSS") * 1024,
    rssAnon: kb("RssAnon") * 1024,
    heapUsed: process.memoryUsage().heapUsed,
  };
}

interface Stat {
  rss: number;
  /** Anonymous RSS after a full collection. */
  keptRssAnon: number;
  heapUsed: number;
  cpuS: number;
  /** When cpuS and the packet counts were read (child's clock, seconds). */
  atS: number;
  viewers: number;
  ringBytes: number;
  videoPackets: number;
  videoOctets: number;
  descriptors: number;
}

async function startChild(endpointUrl: string, mode: Mode, nackPackets = 0) {
  const runtimeArgs = process.execPath.includes("deno")
    ? ["run", "-A", "--v8-flags=--expose-gc"]
    : [];
  const child = spawn(process.execPath, [
    ...runtimeArgs,
    import.meta.filename!,
    "--master",
    mode,
    String(nackPackets),
    endpointUrl,
  ], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  await next();
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
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
const mb = (bytes: number, digits = 1) => (bytes / 2 ** 20).toFixed(digits);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function firstFrameLatency(endpointUrl: string) {
  const child = await startChild(endpointUrl, "ring");
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

async function memoryAndCpu(endpointUrl: string, mode: Mode, nackPackets = 0) {
  const child = await startChild(endpointUrl, mode, nackPackets);
  await sleep(2000);
  const rows: { viewers: number; cpuPerS: number; stat: Stat; packetsPerS: number }[] = [];
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
      cpuPerS: (after.cpuS - before.cpuS) / (after.atS - before.atS),
      stat: after,
      packetsPerS: (after.videoPackets - before.videoPackets) / count / (after.atS - before.atS),
    });
  }
  const frames = viewers.map((v) => v.client.stats.frames);
  for (const v of viewers) v.close();
  await child.stop();
  return { rows, frames };
}

if (process.argv[2] === "--master") {
  await runMaster(process.argv[3] as Mode, Number(process.argv[4]), process.argv[5]);
} else {
  const endpoint = await startLocalEndpoint();
  await firstFrameLatency(endpoint.url);
  const ring = await memoryAndCpu(endpoint.url, "ring");
  // The NACK responder keeps a count of packets: the ring's window in packets at the measured rate.
  const top = ring.rows[3];
  const nackPackets = Math.ceil(top.packetsPerS * windowS);
  const baseline = await memoryAndCpu(endpoint.url, "baseline", nackPackets);
  const peers = await memoryAndCpu(endpoint.url, "peers");
  console.log(
    `(b) master memory at ~2 Mbit/s (${fps} fps sample), MB: RSS as found / anonymous RSS ` +
      "after a full GC (what is kept: no code pages, no garbage awaiting collection)",
  );
  console.log(
    "    viewers      frame ring   copy-per-viewer baseline   baseline chain, no NACK copies",
  );
  const cell = (s: Stat, width: number) => `${mb(s.rss)} / ${mb(s.keptRssAnon)}`.padStart(width);
  ring.rows.forEach((r, i) =>
    console.log(
      `    ${String(r.viewers).padStart(7)}   ${cell(r.stat, 13)}   ${
        cell(baseline.rows[i].stat, 24)
      }   ${cell(peers.rows[i].stat, 30)}`,
    )
  );
  const avgPacket = top.stat.videoOctets / top.stat.videoPackets;
  console.log(
    `    retransmit window, both designs: ${windowS} s = ${nackPackets} video packets ` +
      `(${top.packetsPerS.toFixed(0)} packets/s, ${avgPacket.toFixed(0)} B average, measured)`,
  );
  const at10 = (rows: typeof ring.rows) => rows[3].stat;
  const copies = (at10(baseline.rows).keptRssAnon - at10(peers.rows).keptRssAnon) / 10;
  console.log(
    `    retransmit storage per viewer: baseline copies ${mb(copies)} MB (kept, baseline - ` +
      `no-NACK chain, 10 viewers); frame ring ${top.stat.descriptors / 10} descriptors ` +
      `(JS heap after GC, 1 -> 10 viewers: ` +
      `${mb((top.stat.heapUsed - ring.rows[1].stat.heapUsed) / 9, 2)} MB per viewer, all of it) ` +
      `+ the shared ring ${mb(top.stat.ringBytes)} MB once`,
  );
  // The first viewer also pages in code and starts libdatachannel's threads (their malloc
  // arenas): a one-time cost, so "per extra viewer" is 1 -> 10.
  const first = (rows: typeof ring.rows) => rows[1].stat.rss - rows[0].stat.rss;
  const extra = (rows: typeof ring.rows, key: "rss" | "keptRssAnon") =>
    (rows[3].stat[key] - rows[1].stat[key]) / 9;
  const design = (name: string, rows: typeof ring.rows) =>
    `${name} ${mb(extra(rows, "rss"), 2)} / ${mb(extra(rows, "keptRssAnon"), 2)}`;
  console.log(
    `    first viewer (0 -> 1, RSS): frame ring ${mb(first(ring.rows))}, baseline ` +
      `${mb(first(baseline.rows))}, no-NACK chain ${mb(first(peers.rows))}`,
  );
  console.log(
    `    per extra viewer (1 -> 10, RSS / kept): ${design("frame ring", ring.rows)}, ` +
      `${design("baseline", baseline.rows)}, ${design("no-NACK chain", peers.rows)}`,
  );
  const ratio = (key: "rss" | "keptRssAnon") =>
    (extra(baseline.rows, key) / extra(ring.rows, key)).toFixed(1);
  console.log(
    `    baseline / frame ring per extra viewer: ${ratio("rss")}x RSS, ` +
      `${ratio("keptRssAnon")}x kept (goal: <= 1 MB per extra viewer, >= 3x less than the ` +
      `baseline)`,
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
