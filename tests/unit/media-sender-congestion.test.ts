import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { videoFrame } from "../../core/media/media-frame.ts";
import { TrackSender } from "../../core/media/track-sender.ts";
import { keyframesOnlyAfterMs, PeerCongestion } from "../../core/congestion/peer-congestion.ts";
import { buildNack } from "../../core/rtcp/nack.ts";
import { buildRemb } from "../../core/rtcp/remb.ts";
import { buildTransportCc } from "../../core/rtcp/transport-cc.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { H264Depacketizer } from "../../core/rtp/h264-depacketizer.ts";
import { readTransportWideSequence } from "../../core/rtp/transport-wide-sequence.ts";
import { sampleFrames } from "./support/samples.ts";
import { FakeTurns } from "./support/fake-turns.ts";

const frameUs = 33_333;
/** The first NAL unit's type of a depacketized frame (Annex-B, 4-byte start code). */
const nalType = (au: { data: Uint8Array }) => au.data[4] & 0x1f;

/** Two tracks of one connection on one congestion controller, every packet they sent. */
function setup(o: { adaptation?: boolean; streamBps?: number } = {}) {
  let clock = 0;
  const turns = new FakeTurns(() => clock, (ms) => (clock = ms));
  const congestion = new PeerCongestion({
    now: () => clock,
    streamBps: () => o.streamBps ?? 1_000_000,
    adaptation: o.adaptation ?? true,
  });
  const sent: { track: string; bytes: Uint8Array }[] = [];
  const senderOn = (track: string, ring: FrameRing, ssrc: number, extensionId: number) =>
    new TrackSender({
      ring,
      ssrc,
      payloadType: 102,
      clockRate: 90000,
      send: (p) => (sent.push({ track, bytes: p.slice() }), true),
      clock: { now: () => clock, unixNow: () => 1_700_000_000_000 + clock },
      turns: turns.schedule,
      transportCc: { extensionId, congestion },
    });
  const video = new FrameRing("video");
  const other = new FrameRing("video");
  const a = senderOn("a", video, 1, 3);
  const b = senderOn("b", other, 2, 5);
  let fed = 0;
  const feed = (count: number) => {
    for (let i = 0; i < count; i++, fed++) {
      const frame = sampleFrames[fed % sampleFrames.length];
      video.push(videoFrame(frame, fed * frameUs));
      other.push(videoFrame(frame, fed * frameUs));
      turns.runUntil(clock + frameUs / 1000);
      a.pump();
      b.pump();
    }
  };
  return { congestion, a, b, sent, feed, tick: (ms: number) => turns.runUntil(clock + ms) };
}

const remb = (bitrate: number) => buildRemb({ senderSsrc: 9, bitrate, ssrcs: [1] });

/** Feedback saying every packet from `base` to `end` (exclusive) arrived 1 ms apart. */
function allArrived(base: number, end: number, count: number): Uint8Array {
  const receiveDeltasUs = Array.from({ length: end - base }, () => 1000);
  return buildTransportCc({
    senderSsrc: 9,
    mediaSsrc: 1,
    baseSequenceNumber: base,
    referenceTime: count,
    feedbackPacketCount: count,
    receiveDeltasUs,
  });
}

describe("transport-cc on the send path", () => {
  test("one transport-wide number runs across a connection's tracks, in send order", () => {
    const { a, b, sent, feed } = setup();
    a.start();
    b.start();
    feed(3);
    const numbers = sent.map(({ track, bytes }) =>
      readTransportWideSequence(bytes, track === "a" ? 3 : 5)
    );
    assert.deepEqual(numbers, numbers.map((_, i) => i), "0, 1, 2... over both tracks");
    assert.ok(sent.some((p) => p.track === "a") && sent.some((p) => p.track === "b"));
    assert.ok(sent.every(({ bytes }) => (bytes[0] & 0x10) !== 0), "the X bit is set");
  });

  test("a NACK's resend carries a new transport-wide number, and the media still depacketizes", () => {
    const { a, sent, feed } = setup();
    a.start();
    feed(2);
    const first = parseRtpPacket(sent[0].bytes);
    const before = sent.length;
    a.handleRtcp(
      buildNack({ senderSsrc: 9, mediaSsrc: 1, sequenceNumbers: [first.sequenceNumber] }),
    );
    const resend = sent[before].bytes;
    assert.equal(parseRtpPacket(resend).sequenceNumber, first.sequenceNumber);
    assert.equal(readTransportWideSequence(resend, 3), before);
    const d = new H264Depacketizer();
    const frames = sent.slice(0, before).flatMap((p, i) => d.push(parseRtpPacket(p.bytes), i));
    assert.equal(frames.length, 2);
  });

  test("feedback moves the connection's estimate; a REMB caps it", () => {
    const { congestion, a, sent, feed } = setup();
    a.start();
    feed(10);
    a.handleRtcp(allArrived(0, sent.length, 0));
    assert.ok(congestion.estimator.estimateBps > 0);
    a.handleRtcp(remb(300_000));
    assert.equal(congestion.estimator.estimateBps, 300_000);
  });

  test("an estimate below the stream's bitrate for a while: keyframes only, whole, until it recovers", () => {
    const { congestion, a, sent, feed, tick } = setup({ streamBps: 5_000_000 });
    a.start();
    feed(5);
    a.handleRtcp(remb(400_000));
    assert.equal(congestion.keyframesOnly, false, "not at once");
    tick(keyframesOnlyAfterMs);
    a.handleRtcp(remb(400_000));
    assert.equal(congestion.keyframesOnly, true);
    a.keyframesOnly = congestion.keyframesOnly;
    const before = sent.length;
    feed(60); // keyframes at 30 and 60 of the sample's 30-frame GOPs
    const d = new H264Depacketizer();
    const frames = sent.slice(before).flatMap((p, i) => d.push(parseRtpPacket(p.bytes), i));
    assert.equal(frames.length, 2, "two keyframes and nothing else");
    assert.ok(frames.every((f) => nalType(f) === 7), "each begins with an SPS: a keyframe");
    assert.equal(a.stats.framesHeldBack, 58);
    // Back to every frame: from the next keyframe on, never a frame referring to one held back.
    a.keyframesOnly = false;
    const resumed = sent.length;
    feed(40);
    const after = new H264Depacketizer();
    const next = sent.slice(resumed).flatMap((p, i) => after.push(parseRtpPacket(p.bytes), i));
    assert.equal(next.length, 15, "frames 65..89 skipped, then keyframe 90 and on");
    assert.equal(nalType(next[0]), 7, "it begins at a keyframe (SPS first)");
  });

  test("with adaptation off the estimate is reported and nothing is held back", () => {
    const { congestion, a, tick } = setup({ adaptation: false, streamBps: 5_000_000 });
    a.handleRtcp(remb(400_000));
    tick(keyframesOnlyAfterMs * 2);
    a.handleRtcp(remb(400_000));
    assert.equal(congestion.keyframesOnly, false);
  });
});

describe("the connection's estimate at the start", () => {
  test("the first feedback puts it above the stream's bitrate: a path not tried is not low", () => {
    const { congestion, a, sent, feed } = setup({ streamBps: 3_000_000 });
    a.start();
    feed(3);
    assert.equal(congestion.estimator.estimateBps, 1_000_000, "the estimator's own start");
    a.handleRtcp(allArrived(0, sent.length, 0));
    assert.ok(congestion.estimator.estimateBps >= 3_000_000, `${congestion.estimate.estimateBps}`);
    assert.equal(congestion.keyframesOnly, false);
  });
});
