/** Hostile streams against the receive path: every bound holds and the drops are counted. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  maxNackedPerPacket,
  maxTrackedMissing,
  NackGenerator,
} from "../../core/media/receive/nack-generator.ts";
import { ViewerReceiver } from "../../core/media/receive/viewer-receiver.ts";
import { parseRtcp } from "../../core/rtcp/parse.ts";
import {
  defaultMaxAccessUnitBytes,
  defaultMaxBufferedBytes,
  defaultMaxBufferedPackets,
  H264Depacketizer,
} from "../../core/rtp/h264-depacketizer.ts";
import { parseRtpPacket, type RtpPacket, serializeRtpPacket } from "../../core/rtp/header.ts";
import { SequenceUnwrapper } from "../../core/rtp/sequence-number.ts";
import { sampleFrames } from "./support/samples.ts";
import { packetizeFrames } from "./support/rtp-stream.ts";

function rtp(
  sequenceNumber: number,
  timestamp: number,
  payload: Uint8Array,
  marker = false,
): RtpPacket {
  return {
    sequenceNumber,
    timestamp,
    payload,
    marker,
    payloadType: 102,
    ssrc: 0x1234,
    csrcs: [],
    paddingSize: 0,
  };
}

/** The depacketizer's held state is within its bounds. */
function assertBounded(d: H264Depacketizer) {
  assert.ok(d.bufferedPackets <= defaultMaxBufferedPackets, `${d.bufferedPackets} packets held`);
  assert.ok(d.bufferedBytes <= defaultMaxBufferedBytes + 65536, `${d.bufferedBytes} bytes held`);
  assert.ok(d.missingSequenceNumbers().length <= defaultMaxBufferedPackets, "missing list");
}

/** A deterministic pseudo-random source. */
function random(seed: number) {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
}

/** The sample stream from frame 30 (a keyframe), its sequence numbers from `first`. */
function goodStream(first: number) {
  return packetizeFrames(sampleFrames.slice(30, 40), { firstSequenceNumber: first })
    .map((p) => ({ ...parseRtpPacket(p.bytes), timestamp: 0x40000000 + p.frame * 3000 }));
}

function feedGood(d: H264Depacketizer, first: number, now: number) {
  return goodStream(first).flatMap((p, i) => d.push(p, now + i)).length;
}

describe("receive bounds: hostile streams", () => {
  test("an access unit that never ends, in 60 KiB FU-A fragments, is dropped as oversized", () => {
    const d = new H264Depacketizer();
    const sps = new Uint8Array([0x67, 0x42, 0x00, 0x1f]);
    const fragment = new Uint8Array(60 * 1024);
    fragment[0] = 0x7c; // FU-A
    fragment[1] = 0x05; // IDR slice, neither start nor end
    const start = fragment.slice();
    start[1] = 0x85;
    d.push(rtp(1, 9000, sps), 0);
    d.push(rtp(2, 9000, start), 0);
    for (let i = 0; i < 3000; i++) {
      d.push(rtp((3 + i) & 0xffff, 9000, fragment), i);
      assertBounded(d);
    }
    assert.ok(d.stats.oversizedFrames >= 1, "the frame grew past the access unit bound");
    assert.ok(defaultMaxAccessUnitBytes < 3000 * fragment.length);
    assert.ok(d.stats.discardedPackets > 2000, "the fragments after it were let go");
    assert.equal(d.stats.accessUnits, 0);
    assert.equal(d.keyframeNeeded, true);
    assert.equal(feedGood(d, 3003, 10_000), 10, "a good stream after it comes through");
  });

  test("a sequence number jump of 30000 starts over; the NACK list stays capped", () => {
    const d = new H264Depacketizer();
    assert.equal(feedGood(d, 100, 0), 10);
    const jumped = goodStream(30100);
    d.push(jumped[0], 100);
    assert.equal(d.stats.sequenceJumps, 1);
    for (const p of jumped.slice(2)) d.push(p, 101); // one packet lost after the jump
    assertBounded(d);
    const nacks = new NackGenerator();
    const due = nacks.due(d.missingSequenceNumbers(maxTrackedMissing), 200);
    assert.deepEqual(due, [30101], "only the one lost packet, not the 30000 skipped");
  });

  test("sequence numbers that keep jumping 2000 ahead never widen the window", () => {
    const d = new H264Depacketizer();
    const payload = new Uint8Array([0x41, 0x9a]);
    let seq = 0;
    for (let i = 0; i < 5000; i++) {
      seq = (seq + 2000) & 0xffff;
      d.push(rtp(seq, i * 3000, payload, true), i);
      assertBounded(d);
    }
    assert.equal(d.stats.sequenceJumps, 0, "each jump within the window");
    assert.ok(d.stats.discardedPackets > 4000, "the packets the window moved past were let go");
    const nacks = new NackGenerator();
    const due = nacks.due(d.missingSequenceNumbers(maxTrackedMissing), 6000);
    assert.ok(due.length <= maxNackedPerPacket);
    assert.ok(nacks.tracked <= maxTrackedMissing);
  });

  test("a flood with random sequence numbers, timestamps and payloads keeps every bound", () => {
    const d = new H264Depacketizer();
    const next = random(11);
    const nacks = new NackGenerator();
    const unwrapper = new SequenceUnwrapper();
    let newest = 0;
    for (let i = 0; i < 20_000; i++) {
      const seq = Math.floor(next() * 65536);
      newest = Math.max(newest, unwrapper.unwrap(seq));
      const payload = new Uint8Array(1 + Math.floor(next() * 1400));
      for (let b = 0; b < Math.min(payload.length, 8); b++) payload[b] = next() * 256;
      d.push(
        rtp(seq, Math.floor(next() * 2 ** 32), payload, next() < 0.3),
        i,
      );
      if (i % 20 === 0) {
        d.poll(i);
        assert.ok(
          nacks.due(d.missingSequenceNumbers(maxTrackedMissing), i).length <= maxNackedPerPacket,
        );
        assert.ok(nacks.tracked <= maxTrackedMissing);
      }
      assertBounded(d);
    }
    assert.ok(d.stats.latePackets + d.stats.discardedPackets > 10_000, "most were not used");
    const after = (newest + 1) & 0xffff;
    assert.equal(feedGood(d, after, 50_000), 10, "a good stream after it comes through");
  });

  test("STAP-A with sizes that overrun the packet or are zero drop the frame", () => {
    const d = new H264Depacketizer();
    assert.equal(feedGood(d, 100, 0), 10);
    const first = 100 + goodStream(100).length;
    const bogus = [
      new Uint8Array([0x18, 0xff, 0xff, 0x41, 0x9a]), // size 65535 in 5 bytes
      new Uint8Array([0x18, 0x00, 0x00, 0x00, 0x00]), // zero sizes
      new Uint8Array([0x18, 0x00, 0x02, 0x41, 0x9a, 0x00]), // a truncated size at the end
    ];
    bogus.forEach((payload, i) => {
      assert.deepEqual(d.push(rtp(first + i, 0x50000000 + i * 3000, payload, true), 100 + i), []);
    });
    assert.equal(d.stats.droppedFrames, 3);
    assert.equal(d.keyframeNeeded, true);
    assertBounded(d);
  });

  test("through the receiver, a tick sends one NACK of at most the per-packet cap", () => {
    let now = 0;
    const nacks: number[][] = [];
    const receiver = new ViewerReceiver({
      ssrc: 1,
      now: () => now,
      videoClockRate: 90000,
      audioClockRate: 48000,
      send: (_, packet) => {
        for (const r of parseRtcp(packet)) {
          if (r.kind === "nack") nacks.push(r.packet.sequenceNumbers);
        }
        return true;
      },
      events: { frame() {}, repeatedFrame() {}, audio() {} },
      video: { depacketizer: { maxWaitMs: 1e9 } },
    });
    const payload = new Uint8Array([0x41, 0x9a]);
    // Every other packet of a long stretch is missing.
    for (let i = 0; i < 1500; i++) {
      receiver.receive("video", serializeRtpPacket(rtp(2 * i, 0, payload)));
    }
    now = 20;
    receiver.tick();
    assert.equal(nacks.length, 1);
    assert.equal(nacks[0].length, maxNackedPerPacket);
    now = 40;
    receiver.tick();
    assert.equal(nacks[1].length, maxNackedPerPacket, "the next ones on the next tick");
    assert.ok(receiver.video.nacks.tracked <= maxTrackedMissing);
  });
});
