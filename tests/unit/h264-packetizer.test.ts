import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { planH264AccessUnit } from "../../core/rtp/h264-packetizer.ts";
import { planOpus } from "../../core/rtp/opus-packetizer.ts";
import { type PayloadPlan, writeRtpPacket } from "../../core/rtp/payload-plan.ts";

function payloads(plans: PayloadPlan[]): number[][] {
  return plans.map((plan) => {
    const out = new Uint8Array(12 + plan.size);
    const header = { payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, marker: false };
    assert.equal(writeRtpPacket(out, header, plan, 0), out.length);
    return [...out.subarray(12)];
  });
}

// SPS, PPS (4-byte start codes) and a 10-byte IDR slice (3-byte start code).
const sps = [0x67, 0x42, 0xc0, 0x1f, 0xda, 0x02, 0x80, 0xf6, 0x80];
const pps = [0x68, 0xce, 0x3c, 0x80];
const idr = [0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0xfe, 0xf6, 0xf0, 0xfe];
const au = new Uint8Array([0, 0, 0, 1, ...sps, 0, 0, 0, 1, ...pps, 0, 0, 1, ...idr]);

describe("H.264 packetizer (RFC 6184)", () => {
  test("aggregates small NAL units into one STAP-A with 16-bit sizes and the marker set", () => {
    const plans = planH264AccessUnit(au, findNalUnits(au), 1200);
    assert.equal(plans.length, 1);
    assert.equal(plans[0].marker, true);
    assert.deepEqual(payloads(plans), [[
      0x78, // F=0, NRI=3 (highest of the three), type 24
      0,
      sps.length,
      ...sps,
      0,
      pps.length,
      ...pps,
      0,
      idr.length,
      ...idr,
    ]]);
  });

  test("sends a NAL unit alone when no neighbour fits with it", () => {
    const plans = planH264AccessUnit(au, findNalUnits(au), 11);
    assert.deepEqual(payloads(plans), [sps, pps, idr]);
    assert.deepEqual(plans.map((p) => p.marker), [false, false, true]);
  });

  test("cuts a large NAL unit into FU-A fragments of near-equal size with S and E bits", () => {
    const plans = planH264AccessUnit(au, findNalUnits(au).slice(2), 6);
    assert.deepEqual(payloads(plans), [
      [0x7c, 0x85, 0x88, 0x84, 0x00], // indicator: NRI of the IDR, type 28; header S|5
      [0x7c, 0x05, 0x33, 0xff, 0xfe],
      [0x7c, 0x45, 0xf6, 0xf0, 0xfe], // E|5
    ]);
    assert.ok(plans.every((p) => p.size <= 6));
    assert.deepEqual(plans.map((p) => p.marker), [false, false, true]);
  });

  test("an Opus packet is the whole payload", () => {
    const packet = new Uint8Array([0xf8, 0xff, 0xfe]);
    const plan = planOpus(packet);
    assert.deepEqual(payloads([plan]), [[0xf8, 0xff, 0xfe]]);
    assert.equal(plan.marker, false);
  });

  test("writes the RTP fixed header fields in network order", () => {
    const out = new Uint8Array(12 + 3);
    const packet = new Uint8Array([1, 2, 3]);
    const header = {
      payloadType: 111,
      sequenceNumber: 0xfffe,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      marker: true,
    };
    writeRtpPacket(out, header, planOpus(packet), 0);
    assert.deepEqual(
      [...out],
      [0x80, 0xef, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 1, 2, 3],
    );
    assert.throws(() => writeRtpPacket(new Uint8Array(14), header, planOpus(packet), 0), {
      message: /needs 15 bytes/,
    });
  });
});
