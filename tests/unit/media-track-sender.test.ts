import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { TrackSender, type TrackSenderOptions } from "../../core/media/track-sender.ts";
import { buildFir } from "../../core/rtcp/fir.ts";
import { buildNack } from "../../core/rtcp/nack.ts";
import { buildPli } from "../../core/rtcp/pli.ts";
import { buildRemb } from "../../core/rtcp/remb.ts";
import { buildReceiverReport } from "../../core/rtcp/receiver-report.ts";
import { compactNtp, parseSenderReport } from "../../core/rtcp/sender-report.ts";
import { type DepacketizedAccessUnit, H264Depacketizer } from "../../core/rtp/h264-depacketizer.ts";
import { parseRtpPacket, type RtpPacket } from "../../core/rtp/header.ts";
import { LossySend } from "../../core/rtp/lossy-send.ts";
import { sampleFrames, sampleOpusPackets } from "./support/samples.ts";
import { nalUnitBytes } from "./support/rtp-stream.ts";
import { FakeTurns } from "./support/fake-turns.ts";

const frameUs = 33_333;
const ssrc = 0x5eed;

/**
 * A ring fed with sample frames, a sender on it, and every packet the sender sent. The clock is
 * fake, and so are the event loop's turns: the pacer's turns run when the clock reaches them.
 */
function setup(options: Partial<TrackSenderOptions> = {}) {
  const ring = new FrameRing("video", { windowUs: 2_000_000 });
  let fed = 0;
  const sent: Uint8Array[] = [];
  let clock = 0;
  const turns = new FakeTurns(() => clock, (ms) => (clock = ms));
  const sender = new TrackSender({
    ring,
    ssrc,
    payloadType: 102,
    clockRate: 90000,
    send: (p) => (sent.push(p.slice()), true),
    clock: { now: () => clock, unixNow: () => 1_700_000_000_000 + clock },
    turns: turns.schedule,
    initialSequenceNumber: 65530,
    initialTimestamp: 0xffff0000,
    ...options,
  });
  const feed = (count: number) => {
    for (let i = 0; i < count; i++, fed++) {
      ring.push(videoFrame(sampleFrames[fed % sampleFrames.length], fed * frameUs));
      turns.runUntil(clock + frameUs / 1000);
      sender.pump();
    }
  };
  const tick = (ms: number) => turns.runUntil(clock + ms);
  return { ring, sender, sent, feed, tick, turns };
}

function depacketize(packets: Uint8Array[]): DepacketizedAccessUnit[] {
  const d = new H264Depacketizer();
  return packets.flatMap((p, i) => d.push(parseRtpPacket(p), i));
}

function assertSampleFrames(out: DepacketizedAccessUnit[], first: number) {
  out.forEach((au, i) => {
    assert.deepEqual(nalUnitBytes(au.data), nalUnitBytes(sampleFrames[first + i]), `frame ${i}`);
  });
}

const parsed = (packets: Uint8Array[]): RtpPacket[] => packets.map(parseRtpPacket);

describe("track sender", () => {
  test("a viewer that joins mid-GOP starts at the newest keyframe and catches up at once", () => {
    const { sender, sent, feed } = setup();
    feed(40); // keyframes at 0 and 30
    sender.start();
    const out = depacketize(sent);
    assert.equal(out.length, 10, "frames 30..39 sent at start");
    assertSampleFrames(out, 30);
    feed(20);
    const all = depacketize(sent);
    assert.equal(all.length, 30);
    assertSampleFrames(all, 30);
    const stamps = all.map((au) => au.timestamp);
    for (let i = 1; i < stamps.length; i++) assert.ok(((stamps[i] - stamps[i - 1]) | 0) > 0);
    assert.equal((stamps[10] - stamps[9]) | 0, 3000, "live frames 1/30 s apart");
    assert.equal((stamps[9] - stamps[8]) | 0, 1, "catch-up frames one tick apart");
  });

  test("sequence numbers run on across the 16-bit wrap", () => {
    const { sender, sent, feed } = setup();
    sender.start();
    feed(3);
    const seqs = parsed(sent).map((p) => p.sequenceNumber);
    assert.deepEqual(seqs.slice(0, 8), [65530, 65531, 65532, 65533, 65534, 65535, 0, 1]);
  });

  test("a NACK resends the same packet, written again from the frame's bytes", () => {
    const { sender, sent, feed } = setup();
    sender.start();
    feed(5);
    const lost = [sent[3], sent[7]];
    const count = sent.length;
    const seqs = lost.map((p) => parseRtpPacket(p).sequenceNumber);
    sender.handleRtcp(buildNack({ senderSsrc: 1, mediaSsrc: ssrc, sequenceNumbers: seqs }));
    assert.deepEqual(sent.slice(count), lost);
    assert.equal(sender.stats.retransmissions, 2);
    const other = buildNack({ senderSsrc: 1, mediaSsrc: ssrc + 1, sequenceNumbers: seqs });
    sender.handleRtcp(other);
    assert.equal(sent.length, count + 2, "a NACK for another SSRC is not ours");
  });

  test("the retransmit buffer holds descriptors naming the ring's frame, not packet copies", () => {
    const { sender, feed } = setup();
    sender.start();
    feed(3);
    const seq = (0xfffa + 2) & 0xffff;
    const d = sender.retransmitBuffer.find(seq)!;
    assert.equal(d.frameIndex, 0);
    assert.equal(d.sequenceNumber, seq);
    assert.equal(sender.retransmitBuffer.find((seq + 0x8000) & 0xffff), undefined);
  });

  test("a NACK for a packet whose frame left the ring's window is missed, not resent", () => {
    const { ring, sender, sent, feed } = setup();
    sender.start();
    feed(1);
    const first = parseRtpPacket(sent[0]).sequenceNumber;
    feed(90); // 3 s at 30 fps: frame 0 is out of the 2 s window
    assert.equal(ring.get(0), undefined);
    assert.ok(sender.retransmitBuffer.find(first), "the descriptor is still held");
    const count = sent.length;
    sender.handleRtcp(buildNack({ senderSsrc: 1, mediaSsrc: ssrc, sequenceNumbers: [first] }));
    assert.equal(sent.length, count);
    assert.equal(sender.stats.retransmissionsMissed, 1);
  });

  test("the retransmit buffer grows until it covers every packet of the ring's window", () => {
    const { ring, sender, sent, feed } = setup({ retransmitCapacity: 16 });
    sender.start();
    feed(60); // 2 s at 30 fps: the ring's whole window, far more than 16 packets
    assert.ok(ring.get(0), "frame 0 is still in the ring");
    assert.ok(sender.retransmitBuffer.capacity >= sent.length, "no held frame's packet lost");
    const first = parseRtpPacket(sent[0]).sequenceNumber;
    sender.handleRtcp(buildNack({ senderSsrc: 1, mediaSsrc: ssrc, sequenceNumbers: [first] }));
    assert.equal(sender.stats.retransmissions, 1);
    assert.deepEqual(sent.at(-1), sent[0]);
  });

  test("the retransmit buffer stops growing once the ring lets go of the old frames", () => {
    const { sender, feed } = setup({ retransmitCapacity: 16 });
    sender.start();
    feed(90);
    const capacity = sender.retransmitBuffer.capacity;
    feed(300); // 10 s more at the same rate: the window holds as many packets as before
    assert.equal(sender.retransmitBuffer.capacity, capacity);
  });

  test("packets dropped before sending all come back through NACK and every frame is whole", () => {
    const dropped = new Set<number>();
    let n = 0;
    const sent: Uint8Array[] = [];
    const lossy = new LossySend(
      (p) => (sent.push(p.slice()), true),
      (seq) => (++n % 7 === 0 ? (dropped.add(seq), true) : false),
    );
    const { sender, feed } = setup({ send: lossy.send });
    sender.start();
    feed(60);
    assert.ok(dropped.size > 20);
    const d = new H264Depacketizer();
    const out: DepacketizedAccessUnit[] = [];
    let t = 0;
    for (const p of sent) out.push(...d.push(parseRtpPacket(p), t++));
    const missing = d.missingSequenceNumbers();
    assert.equal(missing.length, dropped.size);
    const before = sent.length;
    sender.handleRtcp(buildNack({ senderSsrc: 1, mediaSsrc: ssrc, sequenceNumbers: missing }));
    for (const p of sent.slice(before)) out.push(...d.push(parseRtpPacket(p), t++));
    assert.equal(lossy.dropped, dropped.size);
    assert.equal(out.length, 60);
    assertSampleFrames(out, 0);
  });

  test("PLI makes the newest keyframe go out at once, then the GOP after it", () => {
    const { sender, sent, feed, tick, turns } = setup();
    sender.start();
    feed(45);
    const before = sent.length;
    tick(1000);
    sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: ssrc }));
    turns.runAll(); // the pacer's turns, each a few milliseconds later
    const burst = depacketize(sent.slice(before));
    assert.equal(burst.length, 15, "frames 30..44 again, without waiting for a new frame");
    assert.equal(burst[0].keyframe, true);
    assertSampleFrames(burst, 30);
    const all = parsed(sent);
    for (let i = 1; i < all.length; i++) {
      assert.ok(((all[i].timestamp - all[i - 1].timestamp) | 0) >= 0, "timestamps never go back");
    }
    assert.equal(sender.stats.keyframeRestarts, 1);
    sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: ssrc }));
    assert.equal(sender.stats.keyframeRestarts, 1, "a second PLI at once is coalesced");
  });

  test("FIR for this SSRC restarts at the newest keyframe too", () => {
    const { sender, sent, feed } = setup();
    sender.start();
    feed(31);
    const before = sent.length;
    sender.handleRtcp(buildFir({ senderSsrc: 1, entries: [{ ssrc, sequenceNumber: 1 }] }));
    const burst = depacketize(sent.slice(before));
    assert.equal(burst[0].keyframe, true);
    assert.equal(burst.length, 1);
  });

  test("a viewer whose transport refuses packets skips ahead to the next keyframe", () => {
    let refuse = false;
    const sent: Uint8Array[] = [];
    const { sender, feed } = setup({
      send: (p) => (refuse ? false : (sent.push(p.slice()), true)),
    });
    sender.start();
    feed(10);
    refuse = true;
    feed(5);
    refuse = false;
    feed(25); // frames 15..39: 15..29 skipped, 30 is a keyframe
    assert.equal(sender.stats.framesSkipped, 15 + 4, "the failing frame's GOP is skipped");
    const out = depacketize(sent);
    assert.equal(out.length, 20);
    assertSampleFrames(out.slice(0, 10), 0);
    assertSampleFrames(out.slice(10), 30);
  });

  test("a sender report carries the counts and an RTP time that follows the media clock", () => {
    const { sender, sent, feed, tick } = setup();
    assert.equal(sender.senderReport(), undefined, "nothing sent yet");
    sender.start();
    feed(3);
    tick(100);
    const sr = parseSenderReport(sender.senderReport()!);
    assert.equal(sr.ssrc, ssrc);
    assert.equal(sr.packetCount, sent.length);
    assert.equal(sr.octetCount, sent.reduce((n, p) => n + p.length - 12, 0));
    const last = parseRtpPacket(sent[sent.length - 1]).timestamp;
    assert.equal((sr.rtpTimestamp - last) >>> 0, 9000);
  });

  test("a receiver report echoing our SR gives the round-trip time and loss", () => {
    const { sender, feed, tick } = setup();
    sender.start();
    feed(1);
    const sr = parseSenderReport(sender.senderReport()!);
    tick(50);
    sender.handleRtcp(buildReceiverReport({
      ssrc: 1,
      reports: [{
        ssrc,
        fractionLost: 64,
        cumulativeLost: 3,
        highestSequence: 10,
        jitter: 5,
        lastSenderReport: compactNtp(sr),
        delaySinceLastSenderReport: 65536 * 0.02, // the viewer held it 20 ms
      }],
    }));
    assert.equal(sender.stats.fractionLost, 0.25);
    assert.equal(sender.stats.cumulativeLost, 3);
    assert.ok(Math.abs(sender.stats.roundTripMs! - 30) < 1, `${sender.stats.roundTripMs} ms`);
  });

  test("a REMB naming this track records the receiver's estimated bitrate", () => {
    const { sender } = setup();
    sender.handleRtcp(buildRemb({ senderSsrc: 1, bitrate: 1_500_000, ssrcs: [ssrc + 1] }));
    assert.equal(sender.stats.rembBitrate, undefined, "another track's estimate");
    sender.handleRtcp(buildRemb({ senderSsrc: 1, bitrate: 2_000_000, ssrcs: [ssrc] }));
    assert.ok(Math.abs(sender.stats.rembBitrate! - 2_000_000) < 16, `${sender.stats.rembBitrate}`);
  });

  test("audio starts at the next packet and advances 48 kHz time", () => {
    const ring = new FrameRing("audio");
    const sent: Uint8Array[] = [];
    const sender = new TrackSender({
      ring,
      ssrc: 7,
      payloadType: 111,
      clockRate: 48000,
      send: (p) => (sent.push(p.slice()), true),
    });
    ring.push(audioFrame(sampleOpusPackets[0], 0));
    sender.start();
    assert.equal(sent.length, 0);
    for (let i = 1; i < 4; i++) {
      ring.push(audioFrame(sampleOpusPackets[i], i * 20_000));
      sender.pump();
    }
    const packets = parsed(sent);
    assert.equal(packets.length, 3);
    assert.deepEqual(packets[1].payload, sampleOpusPackets[2]);
    assert.equal((packets[2].timestamp - packets[1].timestamp) >>> 0, 960);
  });

  test("an Opus track keeps a small retransmit buffer: 50 packets/s over a 3 s window", () => {
    const ring = new FrameRing("audio", { windowUs: 3_000_000 });
    const sender = new TrackSender({
      ring,
      ssrc: 7,
      payloadType: 111,
      clockRate: 48000,
      send: () => true,
    });
    sender.start();
    for (let i = 0; i < 1000; i++) {
      ring.push(audioFrame(sampleOpusPackets[i % sampleOpusPackets.length], i * 20_000));
      sender.pump();
    }
    assert.equal(sender.retransmitBuffer.capacity, 256);
  });
});
