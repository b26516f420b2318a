/**
 * The sender's pacer over a fake clock and fake event-loop turns: a GOP start, a keyframe
 * restart and NACK resends go out a bounded turn at a time, in order, one restart at most.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { videoFrame } from "../../core/media/media-frame.ts";
import {
  defaultMaxBytesPerTurn,
  defaultPacingBytesPerSecond,
  SendPacer,
} from "../../core/media/send/pacer.ts";
import { defaultKeyframeRequestIntervalMs } from "../../core/media/send/keyframe-handler.ts";
import { maxPendingRetransmissions } from "../../core/media/send/nack-responder.ts";
import { TrackSender } from "../../core/media/track-sender.ts";
import { buildNack } from "../../core/rtcp/nack.ts";
import { buildPli } from "../../core/rtcp/pli.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { FakeTurns } from "./support/fake-turns.ts";

const ssrc = 0x5eed;
/** 25 fps: 3600 ticks of the 90 kHz clock a frame, exactly. */
const frameUs = 40_000;
const MiB = 1 << 20;

/**
 * An access unit of one NAL unit whose bytes after its header all equal `id`, so each RTP packet
 * of it names its frame in its last byte.
 */
function syntheticFrame(id: number, bytes: number, keyframe: boolean): Uint8Array {
  const au = new Uint8Array(bytes).fill(id);
  au.set([0, 0, 0, 1, keyframe ? 0x65 : 0x41]);
  return au;
}

/** What went on the wire: per packet its frame id, RTP header facts and the turn it went in. */
interface WirePacket {
  frame: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  bytes: number;
  turn: number;
}

function setup() {
  const ring = new FrameRing("video", { maxBytes: 64 * MiB });
  let clock = 0;
  const turns = new FakeTurns(() => clock, (ms) => (clock = ms));
  const wire: WirePacket[] = [];
  const sender = new TrackSender({
    ring,
    ssrc,
    payloadType: 102,
    clockRate: 90000,
    send(p) {
      const rtp = parseRtpPacket(p);
      wire.push({
        frame: p[p.length - 1],
        sequenceNumber: rtp.sequenceNumber,
        timestamp: rtp.timestamp,
        marker: rtp.marker,
        bytes: p.length,
        turn: turns.ran,
      });
      return true;
    },
    clock: { now: () => clock, unixNow: () => 1_700_000_000_000 + clock },
    turns: turns.schedule,
    initialSequenceNumber: 0,
    initialTimestamp: 0,
  });
  let id = 0;
  /** Pushes frames of `bytes` each, 1/25 s apart, the first a keyframe if `keyframe`. */
  const push = (count: number, bytes: number, keyframe = false) => {
    for (let i = 0; i < count; i++) {
      id++;
      ring.push(videoFrame(syntheticFrame(id, bytes, keyframe && i === 0), id * frameUs));
      sender.pump();
    }
  };
  return { ring, sender, wire, turns, push, now: () => clock };
}

/** Bytes on the wire per turn (turn 0: the call that started it). */
function bytesPerTurn(wire: WirePacket[]): Map<number, number> {
  const turns = new Map<number, number>();
  for (const p of wire) turns.set(p.turn, (turns.get(p.turn) ?? 0) + p.bytes);
  return turns;
}

/** The frame ids that went out whole (a marker ends each), in wire order. */
function wholeFrames(wire: WirePacket[]): number[] {
  return wire.filter((p) => p.marker).map((p) => p.frame);
}

describe("send pacer", () => {
  test("a new viewer's start over a 16 MiB GOP puts at most the turn's bound on the wire a turn", () => {
    const { sender, wire, turns, push, now } = setup();
    push(16, MiB, true); // one GOP: a 1 MiB keyframe and 15 frames of 1 MiB
    sender.start();
    const first = wire.reduce((n, p) => n + p.bytes, 0);
    assert.ok(first <= defaultMaxBytesPerTurn, `${first} bytes at once`);
    assert.ok(turns.waiting === 1, "the rest waits for a later turn");
    turns.runAll();
    const perTurn = bytesPerTurn(wire);
    const most = Math.max(...perTurn.values());
    assert.ok(most <= defaultMaxBytesPerTurn, `a turn sent ${most} bytes`);
    assert.ok(perTurn.size >= (16 * MiB) / defaultMaxBytesPerTurn, `${perTurn.size} turns`);
    assert.deepEqual(wholeFrames(wire), Array.from({ length: 16 }, (_, i) => i + 1));
    const total = wire.reduce((n, p) => n + p.bytes, 0);
    const atRateMs = (total - defaultMaxBytesPerTurn) * 1000 / defaultPacingBytesPerSecond;
    assert.ok(now() >= atRateMs, `16 MiB in ${now()} ms, faster than the pacing rate`);
  });

  test("a PLI during a restart restarts from the newest keyframe, not a second GOP queued", () => {
    const { sender, wire, turns, push } = setup();
    push(16, MiB, true);
    sender.start();
    turns.runAll();
    const gopBytes = wire.reduce((n, p) => n + p.bytes, 0);
    wire.length = 0;
    sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: ssrc }));
    for (let i = 0; i < 100; i++) turns.runNext(); // part of the GOP out
    const sentBefore = wholeFrames(wire);
    assert.ok(sentBefore.length > 0 && sentBefore.length < 16, `${sentBefore.length} frames`);
    // Past the request interval, a second PLI while the first restart is in flight.
    turns.runUntil(turns.now + defaultKeyframeRequestIntervalMs);
    const beforeSecond = wire.length;
    sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: ssrc }));
    assert.equal(turns.waiting, 1, "one turn waits, not one per restart");
    turns.runAll();
    assert.equal(sender.stats.keyframeRestarts, 2);
    const afterSecond = wire.slice(beforeSecond);
    assert.deepEqual(
      wholeFrames(afterSecond),
      Array.from({ length: 16 }, (_, i) => i + 1),
      "the second restart sends the GOP once, from its keyframe",
    );
    const bytes = afterSecond.reduce((n, p) => n + p.bytes, 0);
    assert.equal(bytes, gopBytes, "the GOP's bytes once after the second PLI");
  });

  test("a PLI while the newest keyframe is still going out is answered by it, not restarted", () => {
    const { sender, wire, turns, push } = setup();
    push(1, 16 * MiB, true); // ~1.3 s at the pacing rate
    push(3, 64 * 1024);
    sender.start();
    for (let i = 0; i < 20; i++) turns.runNext();
    assert.equal(wholeFrames(wire).length, 0, "the keyframe is on its way");
    for (let i = 0; i < 3; i++) {
      turns.runUntil(turns.now + defaultKeyframeRequestIntervalMs);
      sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: ssrc }));
    }
    turns.runAll();
    assert.equal(sender.stats.keyframeRequests, 3);
    assert.equal(sender.stats.keyframeRestarts, 0);
    assert.deepEqual(wholeFrames(wire), [1, 2, 3, 4]);
    const keyframePackets = wire.filter((p) => p.frame === 1).length;
    assert.equal(keyframePackets, Math.ceil((16 * MiB - 5) / 1186), "each packet of it once");
  });

  test("live frames pushed during a paced GOP start keep their order, and the start joins them", () => {
    const { sender, wire, turns, push } = setup();
    push(8, 256 * 1024, true); // a 2 MiB GOP: ~170 ms at the pacing rate
    sender.start();
    for (let i = 0; i < 20; i++) {
      turns.runUntil(turns.now + frameUs / 1000);
      push(1, 4000); // live frames, 1/25 s apart
    }
    turns.runAll();
    assert.deepEqual(wholeFrames(wire), Array.from({ length: 28 }, (_, i) => i + 1));
    for (let i = 1; i < wire.length; i++) {
      assert.equal(wire[i].sequenceNumber, (wire[i - 1].sequenceNumber + 1) & 0xffff);
      assert.ok(((wire[i].timestamp - wire[i - 1].timestamp) | 0) >= 0, "timestamps never go back");
    }
    const liveStart = wire.findIndex((p) => p.frame === 9);
    const last = wire.length - 1;
    assert.equal(
      (wire[last].timestamp - wire[liveStart].timestamp) | 0,
      19 * 3600,
      "live frames keep their media times",
    );
  });

  test("NACK resends go out paced, ahead of new frames, and wait in a bounded queue", () => {
    const { sender, wire, turns, push } = setup();
    push(2, 2 * MiB, true);
    sender.start();
    turns.runAll();
    const sequenceNumbers = wire.slice(0, 1500).map((p) => p.sequenceNumber);
    wire.length = 0;
    const nack = buildNack({ senderSsrc: 1, mediaSsrc: ssrc, sequenceNumbers });
    sender.handleRtcp(nack);
    push(1, 64 * 1024); // a new frame while the resends wait
    turns.runAll();
    assert.equal(sender.stats.retransmissions, maxPendingRetransmissions);
    assert.equal(sender.stats.retransmissionsMissed, 1500 - maxPendingRetransmissions);
    const most = Math.max(...bytesPerTurn(wire).values());
    assert.ok(most <= defaultMaxBytesPerTurn, `a turn sent ${most} bytes`);
    const firstNew = wire.findIndex((p) => p.frame === 3);
    assert.equal(firstNew, maxPendingRetransmissions, "every resend before the new frame");
  });

  test("the pacing rate can be changed, and a turn's bound must hold a packet", () => {
    const { sender, wire, turns, push, now } = setup();
    sender.pacer.bytesPerSecond = 1_000_000;
    push(1, MiB, true);
    sender.start();
    turns.runAll();
    assert.ok(now() >= 900, `1 MiB at 1 MB/s took ${now()} ms`);
    assert.equal(wholeFrames(wire).length, 1);
    assert.throws(() => (sender.pacer.bytesPerSecond = 0), /positive number of bytes\/s/);
    const clock = { now: () => 0, unixNow: () => 0 };
    assert.throws(() => new SendPacer({ clock, maxBytesPerTurn: 100 }), /holds no packet/);
  });

  test("a stopped sender leaves no turn waiting", () => {
    const { sender, turns, push } = setup();
    push(4, MiB, true);
    sender.start();
    assert.equal(turns.waiting, 1);
    sender.stop();
    assert.equal(turns.waiting, 0);
  });
});
