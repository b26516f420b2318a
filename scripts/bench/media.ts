/**
 * Media-path benchmark on loopback, measured in one run:
 *   (a) viewer offer sent -> first frame out of the depacketizer, p50/p95 over 20 runs;
 *   (b) master memory with 0, 1, 5 and 10 viewers at ~2 Mbit/s (the sample at 50 fps): mean
 *       RSS over a 20 s window in which the runtime collects garbage as it will, then anonymous
 *       RSS after a full GC (what the master keeps), for the frame ring (one copy of each
 *       frame, descriptors per viewer) and for a copy-per-viewer
 *       baseline: libdatachannel's own H264RtpPacketizer (RtpPacketizer for Opus) ->
 *       RtcpSrReporter -> RtcpNackResponder chain on each viewer's tracks, which packetizes each
 *       viewer's copy and keeps a copy of every packet for NACK;
 *   (c) master CPU seconds per viewer-minute (10 viewers against none);
 *   (d) the frame ring with transport-cc (the viewers offer it, as browsers do: a transport-wide
 *       number in every packet, feedback every 100 ms, an estimate per viewer) beside the same
 *       master whose viewers leave it out: per extra viewer RSS, CPU and packets/s.
 * Both designs send the same video and audio and keep the same retransmit window: the frame ring
 * holds `windowS` of media, and the baseline's NACK responders the same number of packets of
 * each track (the ring run measures the packet rates).
 * A third master, "peers", runs the baseline's chain without the NACK responder: its RSS against
 * the baseline's is what the per-viewer packet copies cost, apart from the connections themselves.
 * The master runs in a child process (this file with --master ring|baseline) so its RSS and CPU
 * are its own; the viewers and the local endpoint run here (on a device the signaling service is
 * elsewhere).   bun scripts/bench/media.ts
 */
import ndc from "node-datachannel";
import { openSignaling, resolveTarget } from "../../adapters/aws/mod.ts";
import { feedBroadcast } from "../../adapters/media/feed-broadcast.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { answerOffer } from "../../adapters/webrtc/answer.ts";
import type { MediaTrack } from "../../adapters/webrtc/media-track.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";
import { streamProfileLevelId } from "../../core/sdp/h264-format.ts";
import { runtime } from "../../adapters/runtime/mod.ts";
import {
  benchFps as fps,
  mb,
  measureWindow,
  type MemoryWindow,
  openBenchViewer,
  rssSampleMs as sampleMs,
  serveWindows,
  sleep,
  startBenchChild,
  startBenchMaster,
} from "./support/bench-process.ts";

const channel = "bench";
/** Each viewer count is measured this long: long enough to span the runtime's own collections. */
const holdMs = 20_000;
/** The retransmit window of both designs (the KVS C SDK keeps about 3 s of packets). */
const windowS = 3;

type Mode = "ring" | "baseline" | "peers";

/** Retransmit window in packets, per track (the baseline's NACK responders). */
interface NackWindow {
  video: number;
  audio: number;
}

/** A libdatachannel packetizer chain on one of a viewer's tracks (the baseline designs). */
function chainTrack(track: MediaTrack, ssrc: number, nackPackets: number) {
  const config = new ndc.RtpPacketizationConfig(ssrc, "kvsrtc", track.payloadType, track.clockRate);
  const packetizer = track.kind === "video"
    ? new ndc.H264RtpPacketizer("StartSequence", config, 1188)
    : new ndc.RtpPacketizer(config);
  packetizer.addToChain(new ndc.RtcpSrReporter(config));
  if (nackPackets > 0) packetizer.addToChain(new ndc.RtcpNackResponder(nackPackets));
  track.native.setMediaHandler(packetizer);
  return config;
}

async function runMaster(mode: Mode, nack: NackWindow, endpointUrl: string) {
  const rt = await runtime();
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  const ring = { windowUs: windowS * 1e6 };
  const source = openSource({ fps, loop: true });
  let viewers = () => 0;
  let broadcast: Broadcast;
  let retransmit = () => ({ videoPackets: 0, audioPackets: 0, videoOctets: 0, descriptors: 0 });
  if (mode === "ring") {
    const running = await startBenchMaster({ target, channel, source, ring });
    const master = running.master;
    broadcast = running.broadcast;
    viewers = () => master.viewers.size;
    retransmit = () => {
      const senders = [...master.viewers.values()].flatMap((v) => [...v.senders.values()]);
      const of = (kind: string) =>
        senders.filter((s) => s.track.kind === kind).map((s) => s.sender);
      const video = of("video");
      return {
        videoPackets: video.reduce((n, s) => n + s.stats.packetsSent, 0),
        audioPackets: of("audio").reduce((n, s) => n + s.stats.packetsSent, 0),
        videoOctets: video.reduce((n, s) => n + s.stats.octetsSent, 0),
        descriptors: senders.reduce((n, s) => n + s.sender.retransmitBuffer.size, 0),
      };
    };
  } else {
    const session = await openSignaling({ target, channel, role: "MASTER", createChannel: true });
    broadcast = new Broadcast({ ring });
    feedBroadcast(source, broadcast, silentLog);
    const peers = new Map<string, Peer>();
    viewers = () => peers.size;
    session.signaling.on("iceCandidate", (c, id) => id && peers.get(id)?.addRemoteCandidate(c));
    session.signaling.on("sdpOffer", (offer, id) => {
      if (!id) return;
      const peer = new Peer({ name: id, iceServers: [], bindAddress: "127.0.0.1" });
      peer.on("localCandidate", (c) => session.signaling.sendIceCandidate(c, id));
      const { answer, video, audio } = answerOffer(peer, offer, {
        video: { codec: "h264", profileLevelId: streamProfileLevelId(broadcast.sps) },
        videoSsrc: 1111,
        audioSsrc: 2222,
        cname: "kvsrtc",
      });
      const copies = mode === "baseline";
      const tracks = {
        video: { track: video!, config: chainTrack(video!, 1111, copies ? nack.video : 0) },
        audio: { track: audio!, config: chainTrack(audio!, 2222, copies ? nack.audio : 0) },
      };
      let started = false;
      const unsubscribe = broadcast.subscribe((frame) => {
        const { track, config } = tracks[frame.kind];
        if (!track.isOpen) return;
        if (frame.kind === "video" && !started && !frame.keyframe) return;
        started ||= frame.kind === "video";
        config.timestamp = Math.round((frame.timeUs * track.clockRate) / 1e6) >>> 0;
        track.native.sendMessageBinary(Buffer.from(frame.bytes)); // this viewer's copy
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
  await serveWindows(async () => {
    const start = retransmit();
    const measured = await measureWindow(holdMs, () => rt.collectGarbage());
    const end = retransmit();
    const window: Window = {
      ...measured,
      videoPackets: end.videoPackets - start.videoPackets,
      audioPackets: end.audioPackets - start.audioPackets,
      videoOctets: end.videoOctets - start.videoOctets,
      descriptors: end.descriptors,
      viewers: viewers(),
      ringBytes: broadcast.video.bytes + broadcast.audio.bytes,
    };
    return window;
  });
}

/** What the master measured over one window of `holdMs` (bytes, seconds, counts). */
interface Window extends MemoryWindow {
  /** Packets and payload octets sent to all viewers during the window (frame ring only). */
  videoPackets: number;
  audioPackets: number;
  videoOctets: number;
  /** Retransmit descriptors held at the end (frame ring only). */
  descriptors: number;
  viewers: number;
  ringBytes: number;
}

async function startChild(endpointUrl: string, mode: Mode, nack: NackWindow) {
  const child = await startBenchChild(import.meta.filename!, [
    "--master",
    mode,
    JSON.stringify(nack),
    endpointUrl,
  ]);
  const target = await resolveTarget({ endpointUrl, region: "us-west-2" }, {});
  return {
    target,
    window: () => child.window<Window>(),
    async stop() {
      await child.stop();
      await target.close();
    },
  };
}

type Child = Awaited<ReturnType<typeof startChild>>;

const openViewer = (child: Child, id: string, transportCc = true) =>
  openBenchViewer(child.target, channel, id, transportCc);

const noNack: NackWindow = { video: 0, audio: 0 };
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function firstFrameLatency(endpointUrl: string) {
  const child = await startChild(endpointUrl, "ring", noNack);
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

async function memoryAndCpu(endpointUrl: string, mode: Mode, nack = noNack, transportCc = true) {
  const child = await startChild(endpointUrl, mode, nack);
  await sleep(2000);
  const rows: Window[] = [];
  const viewers: Awaited<ReturnType<typeof openViewer>>[] = [];
  for (const count of [0, 1, 5, 10]) {
    while (viewers.length < count) {
      viewers.push(await openViewer(child, `${mode}-${viewers.length}`, transportCc));
    }
    await Promise.all(viewers.map((v) => v.firstFrameMs));
    await sleep(1000); // retransmit windows and buffers fill
    console.error(`    ${mode}: ${count} viewers, measuring for ${holdMs / 1000} s`);
    const window = await child.window();
    if (window.viewers !== count) {
      throw new Error(`${mode}: ${window.viewers} viewers, not ${count}`);
    }
    rows.push(window);
  }
  const frames = viewers.map((v) => v.client.stats.frames);
  for (const v of viewers) v.close();
  await child.stop();
  return { rows, frames };
}

if (process.argv[2] === "--master") {
  await runMaster(process.argv[3] as Mode, JSON.parse(process.argv[4]), process.argv[5]);
} else {
  // Imported here, not at the top: the master's child process runs this file too, and the
  // endpoint's modules (hono, the media services, mediabunny) would count in its RSS.
  const { startLocalEndpoint } = await import("../../adapters/local/mod.ts");
  const endpoint = await startLocalEndpoint();
  await firstFrameLatency(endpoint.url);
  const ring = await memoryAndCpu(endpoint.url, "ring");
  // A NACK responder keeps a count of packets: the ring's window in packets at the measured rates.
  const top = ring.rows[3];
  const perViewerRate = (packets: number) => packets / top.viewers / top.seconds;
  const nack = {
    video: Math.ceil(perViewerRate(top.videoPackets) * windowS),
    audio: Math.ceil(perViewerRate(top.audioPackets) * windowS),
  };
  const baseline = await memoryAndCpu(endpoint.url, "baseline", nack);
  const peers = await memoryAndCpu(endpoint.url, "peers");
  const ringWithoutTwcc = await memoryAndCpu(endpoint.url, "ring", noNack, false);
  console.log(
    `(b) master memory at ~2 Mbit/s (${fps} fps sample), MB: mean RSS over ${holdMs / 1000} s ` +
      `(sampled every ${sampleMs} ms, the runtime collecting garbage when it will) / anonymous ` +
      "RSS after a full GC (what is kept: no code pages, no garbage awaiting collection)",
  );
  console.log(
    "    viewers      frame ring   copy-per-viewer baseline   baseline chain, no NACK copies",
  );
  const cell = (w: Window, width: number) =>
    `${mb(w.rssMean)} / ${mb(w.keptRssAnon)}`.padStart(width);
  ring.rows.forEach((r, i) =>
    console.log(
      `    ${String(r.viewers).padStart(7)}   ${cell(r, 13)}   ${cell(baseline.rows[i], 24)}   ${
        cell(peers.rows[i], 30)
      }`,
    )
  );
  const swing = (rows: Window[]) => rows.map((w) => mb(w.rssMax - w.rssMin)).join("/");
  console.log(
    `    RSS swing within each window (max - min, 0/1/5/10 viewers): frame ring ` +
      `${swing(ring.rows)}, baseline ${swing(baseline.rows)}, no-NACK chain ${swing(peers.rows)}`,
  );
  console.log(
    `    retransmit window, both designs: ${windowS} s = ${nack.video} video packets ` +
      `(${perViewerRate(top.videoPackets).toFixed(0)} packets/s, ` +
      `${(top.videoOctets / top.videoPackets).toFixed(0)} B average, measured) and ` +
      `${nack.audio} audio packets`,
  );
  const copies = (baseline.rows[3].keptRssAnon - peers.rows[3].keptRssAnon) / 10;
  console.log(
    `    retransmit storage per viewer: baseline copies ${mb(copies)} MB (kept, baseline - ` +
      `no-NACK chain, 10 viewers); frame ring ${top.descriptors / 10} descriptors ` +
      `(JS heap after GC, 1 -> 10 viewers: ` +
      `${mb((top.heapUsed - ring.rows[1].heapUsed) / 9, 2)} MB per viewer, all of it) ` +
      `+ the shared ring ${mb(top.ringBytes)} MB once`,
  );
  // The first viewer also pages in code and starts libdatachannel's threads (their malloc
  // arenas): a one-time cost, so "per extra viewer" is 1 -> 10.
  const first = (rows: Window[]) => rows[1].rssMean - rows[0].rssMean;
  const extra = (rows: Window[], key: "rssMean" | "keptRssAnon") =>
    (rows[3][key] - rows[1][key]) / 9;
  const design = (name: string, rows: Window[]) =>
    `${name} ${mb(extra(rows, "rssMean"), 2)} / ${mb(extra(rows, "keptRssAnon"), 2)}`;
  console.log(
    `    first viewer (0 -> 1, mean RSS): frame ring ${mb(first(ring.rows))}, baseline ` +
      `${mb(first(baseline.rows))}, no-NACK chain ${mb(first(peers.rows))}`,
  );
  console.log(
    `    per extra viewer (1 -> 10, mean RSS / kept): ${design("frame ring", ring.rows)}, ` +
      `${design("baseline", baseline.rows)}, ${design("no-NACK chain", peers.rows)}`,
  );
  const ratio = (key: "rssMean" | "keptRssAnon") =>
    (extra(baseline.rows, key) / extra(ring.rows, key)).toFixed(1);
  console.log(
    `    baseline / frame ring per extra viewer: ${ratio("rssMean")}x mean RSS, ` +
      `${ratio("keptRssAnon")}x kept (goal: <= 1 MB per extra viewer, >= 3x less than the ` +
      `baseline)`,
  );
  const cpuPerS = (w: Window) => w.cpuS / w.seconds;
  const cpu = (rows: Window[]) => ((cpuPerS(rows[3]) - cpuPerS(rows[0])) * 60) / 10;
  console.log(
    `(c) master CPU per viewer-minute: frame ring ${cpu(ring.rows).toFixed(2)} s, baseline ` +
      `${cpu(baseline.rows).toFixed(2)} s`,
  );
  console.log(
    `    frames each viewer received: ${ring.frames.join(" ")} | ${baseline.frames.join(" ")}`,
  );
  const packetsPerS = (rows: Window[]) =>
    ((rows[3].videoPackets + rows[3].audioPackets) / rows[3].viewers / rows[3].seconds)
      .toFixed(0);
  console.log(
    `(d) frame ring with transport-cc / without: per extra viewer (mean RSS / kept) ` +
      `${design("with", ring.rows)}, ${design("without", ringWithoutTwcc.rows)} MB; ` +
      `CPU per viewer-minute ${cpu(ring.rows).toFixed(2)} / ${
        cpu(ringWithoutTwcc.rows).toFixed(2)
      } ` +
      `s; ${packetsPerS(ring.rows)} / ${packetsPerS(ringWithoutTwcc.rows)} packets/s per viewer`,
  );
  process.exit(0);
}
