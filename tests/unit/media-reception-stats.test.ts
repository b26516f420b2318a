import { test } from "node:test";
import assert from "node:assert/strict";
import { ReceptionStats } from "../../core/media/reception-stats.ts";

test("reception stats count loss across the sequence wrap and echo the last sender report", () => {
  const stats = new ReceptionStats(0xabc, 90000);
  for (const seq of [65533, 65534, 0, 1, 3]) stats.packet(seq, seq * 3000, 100, seq); // 65535, 2 lost
  assert.equal(stats.lost, 2);
  stats.senderReport({
    ssrc: 0xabc,
    ntpSeconds: 0x12345678,
    ntpFraction: 0x9abc0000,
    rtpTimestamp: 0,
    packetCount: 0,
    octetCount: 0,
    reports: [],
  }, 1000);
  const block = stats.reportBlock(1500)!;
  assert.equal(block.ssrc, 0xabc);
  assert.equal(block.cumulativeLost, 2);
  assert.equal(block.fractionLost, Math.floor((2 * 256) / 7));
  assert.equal(block.highestSequence, 0x10003, "one wrap, then sequence 3");
  assert.equal(block.lastSenderReport, 0x56789abc);
  assert.equal(block.delaySinceLastSenderReport, 32768, "half a second in 1/65536 s");
  stats.packet(4, 4 * 3000, 100, 4);
  assert.equal(stats.reportBlock(1600)!.fractionLost, 0, "a new interval without loss");
});

test("no report block before the first packet", () => {
  assert.equal(new ReceptionStats(1, 48000).reportBlock(0), undefined);
});
