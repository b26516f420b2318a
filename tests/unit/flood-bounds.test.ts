/**
 * The bounds a peer's flood meets: the packet inbox between a native transport's callbacks and
 * the receive chain, the depacketizer's work per packet, the data-channel message guard and
 * the RTCP flood guard.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  maxInboxBytes,
  maxInboxPackets,
  PacketInbox,
} from "../../core/media/receive/packet-inbox.ts";
import {
  dropWarningIntervalMs,
  maxBytesPerSecond,
  maxMessageBytes,
  maxMessagesPerSecond,
  MessageGuard,
} from "../../core/datachannel/message-guard.ts";
import { floodSeconds, maxRtcpPerSecond, RtcpFloodGuard } from "../../core/rtcp/flood-guard.ts";
import { H264Depacketizer } from "../../core/rtp/h264-depacketizer.ts";
import type { RtpPacket } from "../../core/rtp/header.ts";

describe("packet inbox", () => {
  test("holds packets in arrival order and drops, counted, past its packet bound", () => {
    const inbox = new PacketInbox<number>();
    for (let i = 0; i < maxInboxPackets + 10; i++) inbox.push(i, 100);
    assert.equal(inbox.length, maxInboxPackets);
    assert.equal(inbox.dropped, 10);
    assert.equal(inbox.shift(), 0);
    assert.equal(inbox.shift(), 1);
    assert.ok(inbox.push(-1, 100), "room again once packets are taken");
    assert.equal(inbox.bytes, (maxInboxPackets - 1) * 100);
  });

  test("drops past its byte bound: 64 KiB packets fill it before its packet bound", () => {
    const inbox = new PacketInbox<Uint8Array>();
    const big = new Uint8Array(65_000);
    let taken = 0;
    for (let i = 0; i < 1000; i++) if (inbox.push(big, big.length)) taken++;
    assert.equal(taken, Math.floor(maxInboxBytes / big.length));
    assert.ok(inbox.bytes <= maxInboxBytes);
    assert.equal(inbox.dropped, 1000 - taken);
  });

  test("wraps around its ring and empties on clear", () => {
    const inbox = new PacketInbox<number>(4, 1000);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) inbox.push(round * 3 + i, 1);
      assert.deepEqual([inbox.shift(), inbox.shift(), inbox.shift()], [
        round * 3,
        round * 3 + 1,
        round * 3 + 2,
      ]);
    }
    inbox.push(1, 10);
    inbox.clear();
    assert.equal(inbox.length, 0);
    assert.equal(inbox.bytes, 0);
    assert.equal(inbox.shift(), undefined);
  });
});

describe("data-channel message guard", () => {
  test("drops messages over the size bound and past the rate bound, counted, with one warning per interval", () => {
    let now = 0;
    const warnings: string[] = [];
    const guard = new MessageGuard(() => now, (w) => warnings.push(w));
    assert.equal(guard.text(new TextEncoder().encode("hello")), "hello");
    assert.equal(guard.text(new Uint8Array(maxMessageBytes + 1)), undefined);
    assert.equal(guard.text("x".repeat(maxMessageBytes + 1)), undefined);
    let handled = 1;
    for (let i = 0; i < 1000; i++) if (guard.text("hi") !== undefined) handled++;
    // The two oversized ones count among the second's messages too.
    assert.equal(handled, maxMessagesPerSecond - 2);
    assert.equal(guard.oversized, 2);
    assert.equal(guard.overRate, 1003 - maxMessagesPerSecond);
    assert.ok(guard.flooding, "ten times the rate bound is a flood");
    assert.equal(warnings.length, 1, "one warning in the interval");
    assert.match(warnings[0], /dropped 1 data-channel messages so far \(1 over 64 KiB/);
    now += 1000;
    assert.equal(guard.text("again"), "again", "a new second takes messages again");
    now += dropWarningIntervalMs;
    guard.text(new ArrayBuffer(maxMessageBytes + 1));
    assert.equal(warnings.length, 2);
    assert.match(warnings[1], new RegExp(`dropped ${guard.dropped} data-channel messages`));
  });

  test("drops the messages of a second past its byte bound; twice that is a flood", () => {
    let now = 0;
    const guard = new MessageGuard(() => now, () => {});
    const biggest = "x".repeat(maxMessageBytes);
    const handled = (n: number) =>
      Array.from({ length: n }, () => guard.text(biggest)).filter(Boolean).length;
    const perSecond = maxBytesPerSecond / maxMessageBytes;
    assert.equal(handled(2 * perSecond), perSecond);
    assert.equal(guard.flooding, false, "twice the bound, not more");
    now += 1000;
    assert.equal(handled(2 * perSecond + 1), perSecond, "the next second");
    assert.equal(guard.flooding, true);
  });
});

describe("RTCP flood guard", () => {
  /** Sends `perSecond` packets, evenly spread, for `seconds`; the time of the first flood. */
  function send(guard: RtcpFloodGuard, clock: { now: number }, perSecond: number, seconds: number) {
    for (let i = 0; i < perSecond * seconds; i++) {
      clock.now += 1000 / perSecond;
      if (guard.arrived()) return clock.now;
    }
    return undefined;
  }

  test("a receiver at the bound is never a flood, however long it goes on", () => {
    const clock = { now: 0 };
    assert.equal(send(new RtcpFloodGuard(() => clock.now), clock, maxRtcpPerSecond, 30), undefined);
  });

  test("one second past the bound (a master that stalled, then got it all at once) is no flood", () => {
    const clock = { now: 0 };
    const guard = new RtcpFloodGuard(() => clock.now);
    assert.equal(send(guard, clock, 50, 3), undefined);
    for (let i = 0; i < 3 * maxRtcpPerSecond; i++) guard.arrived();
    assert.equal(send(guard, clock, 50, 10), undefined);
    assert.equal(guard.flooding, false);
  });

  test("past the bound for the flood's seconds in a row is a flood, for good", () => {
    const clock = { now: 0 };
    const guard = new RtcpFloodGuard(() => clock.now);
    const floodAt = send(guard, clock, 2 * maxRtcpPerSecond, 10);
    assert.ok(floodAt !== undefined, "never a flood");
    assert.ok(
      floodAt > (floodSeconds - 1) * 1000 && floodAt <= floodSeconds * 1000,
      `at ${floodAt}`,
    );
    clock.now += 60_000;
    assert.equal(guard.arrived(), true);
  });
});

describe("depacketizer work per packet under floods that never complete a frame", () => {
  /** Microseconds a packet, over `count` packets made by `make`, with a poll every 20. */
  function microsecondsPerPacket(count: number, make: (i: number) => Partial<RtpPacket>) {
    const d = new H264Depacketizer();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const p = make(i);
      d.push({
        marker: false,
        payloadType: 102,
        sequenceNumber: i & 0xffff,
        timestamp: 1,
        ssrc: 1,
        csrcs: [],
        paddingSize: 0,
        payload: new Uint8Array(0),
        ...p,
      }, i / 20);
    }
    return ((performance.now() - started) * 1000) / count;
  }
  // A full window (2048 packets) walked on each arrival was ~60-190 us a packet: a flood at
  // 20 000 packets a second then took the whole event loop. Each packet is now looked at once.
  const budgetUs = 20;
  const fuA = new Uint8Array(1200).fill(0x11);
  fuA[0] = 0x7c; // FU-A
  fuA[1] = 0x05; // an IDR slice's middle fragment, never the end

  test("an access unit that never ends", () => {
    const us = microsecondsPerPacket(30_000, () => ({ payload: fuA }));
    assert.ok(us < budgetUs, `${us.toFixed(1)} us a packet`);
  });

  test("whole frames with no keyframe to start from (unsynced, each one skipped)", () => {
    const slice = Uint8Array.of(0x41, 1, 2, 3);
    const us = microsecondsPerPacket(
      30_000,
      (i) => ({ payload: slice, timestamp: i, marker: true }),
    );
    assert.ok(us < budgetUs, `${us.toFixed(1)} us a packet`);
  });
});
