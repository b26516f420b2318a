import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildPli } from "../../core/rtcp/pli.ts";
import { serializeRtpPacket } from "../../core/rtp/header.ts";
import { LossySend } from "../../core/rtp/lossy-send.ts";

const rtp = (sequenceNumber: number) =>
  serializeRtpPacket({
    marker: false,
    payloadType: 96,
    sequenceNumber,
    timestamp: 0,
    ssrc: 1,
    payload: new Uint8Array([1, 2, 3]),
  });

function lossy(drop: (seq: number) => boolean, accept = () => true) {
  const passed: Uint8Array[] = [];
  const asked: number[] = [];
  const wrapper = new LossySend((p) => accept() && (passed.push(p), true), (seq) => {
    asked.push(seq);
    return drop(seq);
  });
  return { wrapper, passed, asked };
}

describe("lossy send (test only)", () => {
  test("drops chosen RTP packets on their first transmission, reporting them sent", () => {
    const { wrapper, passed } = lossy((seq) => seq % 3 === 0);
    const results = [1, 2, 3, 4, 5, 6].map((seq) => wrapper.send(rtp(seq)));
    assert.deepEqual(results, [true, true, true, true, true, true]);
    assert.deepEqual(passed.map((p) => (p[2] << 8) | p[3]), [1, 2, 4, 5]);
    assert.equal(wrapper.dropped, 2);
  });

  test("a retransmission (not newer than the newest seen) passes without asking, across the wrap", () => {
    const { wrapper, passed, asked } = lossy(() => true);
    wrapper.send(rtp(65535));
    wrapper.send(rtp(0));
    assert.equal(passed.length, 0);
    wrapper.send(rtp(65535));
    wrapper.send(rtp(0));
    assert.equal(passed.length, 2, "both resends pass");
    assert.deepEqual(asked, [65535, 0]);
  });

  test("RTCP always passes", () => {
    const { wrapper, passed, asked } = lossy(() => true);
    wrapper.send(buildPli({ senderSsrc: 1, mediaSsrc: 2 }));
    assert.equal(passed.length, 1);
    assert.deepEqual(asked, []);
  });

  test("a packet the transport refused is still a first transmission when it comes again", () => {
    let accept = false;
    const { wrapper, asked } = lossy(() => false, () => accept);
    assert.equal(wrapper.send(rtp(7)), false);
    accept = true;
    assert.equal(wrapper.send(rtp(7)), true);
    assert.deepEqual(asked, [7, 7]);
  });
});
