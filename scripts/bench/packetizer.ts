/**
 * Micro-benchmark: RTP packets per second the H.264 packetizer makes on one core, over the
 * built-in sample frames, against a naive copy-per-packet packetizer measured in the same run;
 * then the H.265 and VP8 packetizers over the unit tests' 320x180 libx265 and libvpx streams
 * (made with ffmpeg at run time; the rows are left out, with a note, where it cannot).
 *   plan + write: findNalUnits + planH264AccessUnit once per access unit, then writeRtpPacket
 *                 of every plan into one reused output buffer (what a sender does per frame).
 *   write only:   the plans kept (as the frame ring keeps them): the per-viewer cost.
 *   naive copy:   each NAL unit copied out, each RTP packet a new buffer with its payload copied
 *                 (as packetizers that hand out owned packets do).
 * Then the whole send path of ten viewers on one frame ring (TrackSender: sequencer, header
 * extensions, packet writer, SR/NACK/statistics stages, pacer) to a transport that takes
 * every packet, with transport-cc off and on (on: a transport-wide number written in every
 * packet and recorded, and each viewer's feedback for every 100 ms of media parsed and
 * handled: what a master does per viewer; the feedback is built outside the timing).
 * Run: bun scripts/bench/packetizer.ts  (or deno run -A)
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { planH264AccessUnit } from "../../core/rtp/h264-packetizer.ts";
import { planH265AccessUnit } from "../../core/rtp/h265-packetizer.ts";
import { type PayloadPlan, writeRtpPacket } from "../../core/rtp/payload-plan.ts";
import { planVp8Frame } from "../../core/rtp/vp8-packetizer.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { codecStreamsMissing, h265Stream, vp8Ivf } from "../../tests/unit/support/codec-streams.ts";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { videoFrame } from "../../core/media/media-frame.ts";
import { TrackSender } from "../../core/media/track-sender.ts";
import { PeerCongestion } from "../../core/congestion/peer-congestion.ts";
import { TransportCcRecorder } from "../../core/congestion/feedback-recorder.ts";
import { buildTransportCc } from "../../core/rtcp/transport-cc.ts";
import { readTransportWideSequence } from "../../core/rtp/transport-wide-sequence.ts";

const maxPayload = 1200;
const samples = fileURLToPath(new URL("../../samples/", import.meta.url));
const frames = readdirSync(samples).filter((f) => f.endsWith(".h264")).sort()
  .map((f) => new Uint8Array(readFileSync(samples + f)));

export interface PacketizerResult {
  name: string;
  packetsPerSecond: number;
  megabitsPerSecond: number;
}

const out = new Uint8Array(1500);
let seq = 0;

function header(marker: boolean, timestamp: number) {
  seq = (seq + 1) & 0xffff;
  return { payloadType: 102, sequenceNumber: seq, timestamp, ssrc: 0x1234, marker };
}

type Planner = (frame: Uint8Array, index: number) => readonly PayloadPlan[];

const planH264: Planner = (au) => planH264AccessUnit(au, findNalUnits(au), maxPayload);
const planH265: Planner = (au) => planH265AccessUnit(au, findNalUnits(au), maxPayload);
const planVp8: Planner = (frame, i) => planVp8Frame(frame, i, maxPayload);

/** One pass over the frames, planning each; returns [packets, bytes]. */
function planAndWrite(list: readonly Uint8Array[], plan: Planner): [number, number] {
  let packets = 0, bytes = 0;
  list.forEach((frame, i) => {
    for (const p of plan(frame, i)) {
      bytes += writeRtpPacket(out, header(p.marker, i * 3000), p, 0);
      packets++;
    }
  });
  return [packets, bytes];
}

/** One pass over plans made before: the per-viewer cost. */
function writeOnly(plans: readonly (readonly PayloadPlan[])[]): [number, number] {
  let packets = 0, bytes = 0;
  plans.forEach((framePlans, i) => {
    for (const plan of framePlans) {
      bytes += writeRtpPacket(out, header(plan.marker, i * 3000), plan, 0);
      packets++;
    }
  });
  return [packets, bytes];
}

/** The baseline: copies of NAL units and of every packet, each in a new buffer. */
function naiveCopy(): [number, number] {
  let packets = 0, bytes = 0;
  const sent: Uint8Array[] = [];
  const emit = (payload: Uint8Array, marker: boolean, timestamp: number) => {
    const packet = new Uint8Array(12 + payload.length);
    const h = header(marker, timestamp);
    const view = new DataView(packet.buffer);
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | h.payloadType;
    view.setUint16(2, h.sequenceNumber);
    view.setUint32(4, h.timestamp);
    view.setUint32(8, h.ssrc);
    packet.set(payload, 12);
    sent.push(packet);
    packets++;
    bytes += packet.length;
  };
  frames.forEach((au, i) => {
    const nalUnits = findNalUnits(au).map((n) => au.slice(n.offset, n.offset + n.length));
    nalUnits.forEach((nal, k) => {
      const last = k === nalUnits.length - 1;
      if (nal.length <= maxPayload) return emit(nal, last, i * 3000);
      for (let at = 1; at < nal.length; at += maxPayload - 2) {
        const chunk = nal.subarray(at, Math.min(nal.length, at + maxPayload - 2));
        const end = at + chunk.length >= nal.length;
        const payload = new Uint8Array(2 + chunk.length);
        payload[0] = (nal[0] & 0xe0) | 28;
        payload[1] = (at === 1 ? 0x80 : 0) | (end ? 0x40 : 0) | (nal[0] & 0x1f);
        payload.set(chunk, 2);
        emit(payload, last && end, i * 3000);
      }
    });
    if (sent.length > 4096) sent.length = 0; // kept a while, as for retransmission
  });
  return [packets, bytes];
}

const sendPathViewers = 10;
const twccId = 3;
const frameUs = 33_333;

/**
 * One pass over the frames for ten viewers' senders on one ring: each frame pushed, every
 * sender pumped, the pacer's turns run at once (at a rate that never holds a packet back).
 * Returns [packets, bytes, ms spent outside the timing].
 */
function sendPath(transportCc: boolean): () => [number, number, number] {
  const now = () => performance.now();
  const senderClock = { now, unixNow: () => Date.now() };
  const ring = new FrameRing("video", { windowUs: 3_000_000 });
  const turns: (() => void)[] = [];
  let packets = 0, bytes = 0, mediaUs = 0;
  const viewers = Array.from({ length: sendPathViewers }, (_, i) => {
    const recorder = new TransportCcRecorder();
    /** The transport-wide numbers sent since the last feedback, recorded outside the timing. */
    const numbers = new Uint16Array(8192);
    let count = 0;
    const congestion = transportCc
      ? new PeerCongestion({ now, streamBps: () => 2_000_000, adaptation: false })
      : undefined;
    const sender = new TrackSender({
      ring,
      ssrc: i + 1,
      payloadType: 102,
      clockRate: 90000,
      send: (packet) => {
        packets++;
        bytes += packet.length;
        if (congestion) numbers[count++ & 8191] = readTransportWideSequence(packet, twccId);
        return true;
      },
      clock: senderClock,
      turns: (turn) => (turns.push(turn), () => {}),
      transportCc: congestion && { extensionId: twccId, congestion },
    });
    sender.pacer.bytesPerSecond = 1e12;
    const received = () => {
      const arrivedAt = now();
      for (let n = 0; n < count; n++) recorder.onPacketReceived(numbers[n], arrivedAt);
      count = 0;
    };
    return { sender, recorder, received };
  });
  return () => {
    packets = bytes = 0;
    let untimedMs = 0;
    frames.forEach((au, i) => {
      ring.push(videoFrame(au, mediaUs += frameUs));
      for (const { sender } of viewers) {
        if (!sender.started) sender.start();
        sender.pump();
      }
      while (turns.length) turns.shift()!();
      if (transportCc && i % 3 === 2) {
        for (const { sender, recorder, received } of viewers) {
          const builtFrom = performance.now();
          received();
          const feedback = recorder.buildFeedback(99, 1);
          const bytes = feedback && buildTransportCc(feedback);
          untimedMs += performance.now() - builtFrom;
          if (bytes) sender.handleRtcp(bytes);
        }
      }
    });
    return [packets, bytes, untimedMs];
  };
}

function measure(
  name: string,
  pass: () => [number, number] | [number, number, number],
  seconds: number,
): PacketizerResult {
  for (let i = 0; i < 3; i++) pass(); // warm up the JIT
  let packets = 0, bytes = 0, untimedMs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed - untimedMs < seconds * 1000) {
    const [p, b, u = 0] = pass();
    packets += p;
    bytes += b;
    untimedMs += u;
    elapsed = performance.now() - start;
  }
  elapsed -= untimedMs;
  return {
    name,
    packetsPerSecond: packets / (elapsed / 1000),
    megabitsPerSecond: (bytes * 8) / (elapsed / 1000) / 1e6,
  };
}

/** The naive baseline's row name: the H.264 rows' "x baseline" is against it. */
const baselineName = "naive copy-per-packet";

/** H.265 access units (parameter sets as x265 repeats them) and VP8 frames, or why not. */
function codecFrames(): { h265: Uint8Array[]; vp8: Uint8Array[] } | string {
  const missing = codecStreamsMissing();
  if (missing) return missing;
  const splitter = new H265AccessUnitSplitter();
  const h265 = [...splitter.push(h265Stream()), splitter.flush()!];
  return { h265, vp8: new IvfReader().push(vp8Ivf()).map((f) => f.data) };
}

export function benchPacketizer(seconds = 2): PacketizerResult[] {
  if (frames.length === 0) throw new Error("no sample frames in samples/");
  const h264Plans = frames.map(planH264);
  const results = [
    measure("plan + write (zero-copy)", () => planAndWrite(frames, planH264), seconds),
    measure("write only (plans kept)", () => writeOnly(h264Plans), seconds),
    measure(baselineName, naiveCopy, seconds),
  ];
  const codecs = codecFrames();
  if (typeof codecs === "string") {
    console.log(`  (no H.265 and VP8 rows: ${codecs})`);
    return results;
  }
  const rows: [string, readonly Uint8Array[], Planner][] = [
    ["H.265 plan + write", codecs.h265, planH265],
    ["VP8 plan + write", codecs.vp8, planVp8],
  ];
  for (const [name, list, plan] of rows) {
    const kept = list.map(plan);
    results.push(
      measure(name, () => planAndWrite(list, plan), seconds),
      measure(name.replace("plan + write", "write only"), () => writeOnly(kept), seconds),
    );
  }
  return results;
}

/** The send path of ten viewers, transport-cc off and on. */
export function benchSendPath(seconds = 2): PacketizerResult[] {
  return [
    measure("send path, transport-cc off", sendPath(false), seconds),
    measure("send path, transport-cc on", sendPath(true), seconds),
  ];
}

if (import.meta.main) {
  const results = benchPacketizer();
  const sendPaths = benchSendPath();
  const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
  console.log(
    `RTP packetizer, ${frames.length} sample frames, max payload ${maxPayload}, ${runtime}:`,
  );
  const baseline = results.find((r) => r.name === baselineName)!.packetsPerSecond;
  for (const r of results) {
    // The other codecs' frames are other pictures: a ratio to the H.264 baseline means nothing.
    const ratio = /^(H\.265|VP8)/.test(r.name)
      ? "320x180 test stream"
      : `${(r.packetsPerSecond / baseline).toFixed(2)}x baseline`;
    console.log(
      `  ${r.name.padEnd(26)} ${Math.round(r.packetsPerSecond).toLocaleString("en").padStart(11)}` +
        ` packets/s  ${r.megabitsPerSecond.toFixed(0).padStart(6)} Mbit/s  ${ratio}`,
    );
  }
  console.log(`send path of ${sendPathViewers} viewers on one frame ring (TrackSender chain):`);
  for (const r of sendPaths) {
    console.log(
      `  ${r.name.padEnd(28)} ${Math.round(r.packetsPerSecond).toLocaleString("en").padStart(11)}` +
        ` packets/s  ${r.megabitsPerSecond.toFixed(0).padStart(6)} Mbit/s  ` +
        `${(r.packetsPerSecond / sendPaths[0].packetsPerSecond).toFixed(2)}x off`,
    );
  }
}
