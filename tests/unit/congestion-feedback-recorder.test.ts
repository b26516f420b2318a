import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TransportCcRecorder } from "../../core/congestion/feedback-recorder.ts";
import { maxTransportCcPackets } from "../../core/rtcp/transport-cc.ts";

describe("transport-cc feedback recorder (the receiver's side)", () => {
  test("reports arrivals since the last feedback, losses as null, deltas from a 64 ms reference", () => {
    const recorder = new TransportCcRecorder();
    recorder.onPacketReceived(65534, 1000.1); // ticks of 250 µs: 1000.1 ms rounds to 1000 ms
    recorder.onPacketReceived(0, 1003.3); // 65535 lost; the number wraps
    recorder.onPacketReceived(1, 1002); // reordered: arrived before 0
    const feedback = recorder.buildFeedback(0x1111, 0x2222)!;
    assert.deepEqual(feedback, {
      senderSsrc: 0x1111,
      mediaSsrc: 0x2222,
      baseSequenceNumber: 65534,
      referenceTime: 15, // 15 * 64 ms = 960 ms, at or before the first arrival
      feedbackPacketCount: 0,
      receiveDeltasUs: [40_000, null, 3250, -1250],
    });
    assert.equal(recorder.buildFeedback(1, 2), undefined, "nothing new, no feedback");
    recorder.onPacketReceived(65535, 1010); // too late: already reported lost
    recorder.onPacketReceived(2, 1100);
    const next = recorder.buildFeedback(1, 2)!;
    assert.deepEqual(
      [next.baseSequenceNumber, next.referenceTime, next.feedbackPacketCount, next.receiveDeltasUs],
      [2, 17, 1, [12_000]],
    );
  });

  test("a gap longer than one delta can say ends the message; the rest go in the next", () => {
    const recorder = new TransportCcRecorder();
    recorder.onPacketReceived(10, 0);
    recorder.onPacketReceived(11, 9000); // 9 s later: beyond +8191.75 ms
    assert.deepEqual(recorder.buildFeedback(1, 2)!.receiveDeltasUs, [0]);
    const next = recorder.buildFeedback(1, 2)!;
    assert.equal(next.baseSequenceNumber, 11);
    assert.deepEqual(next.receiveDeltasUs, [(9000 - next.referenceTime * 64) * 1000]);
  });

  test("a jump far ahead is reported as at most the bounded number of packets", () => {
    const recorder = new TransportCcRecorder();
    recorder.onPacketReceived(0, 0);
    recorder.onPacketReceived(30_000, 50);
    const feedback = recorder.buildFeedback(1, 2)!;
    assert.equal(feedback.receiveDeltasUs.length, maxTransportCcPackets);
    assert.equal(feedback.baseSequenceNumber, 30_000 - maxTransportCcPackets + 1);
    assert.equal(feedback.receiveDeltasUs.filter((d) => d !== null).length, 1);
  });
});
