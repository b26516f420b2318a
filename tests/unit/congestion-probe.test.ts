import { test } from "node:test";
import assert from "node:assert/strict";
import { BandwidthEstimator } from "../../core/congestion/bandwidth-estimator.ts";
import { minProbePackets, ProbeClusters } from "../../core/congestion/probe-clusters.ts";
import type { TransportCcFeedback } from "../../core/rtcp/transport-cc.ts";

test("a probe cluster's rate is the lower of its send and arrival rates", () => {
  const probes = new ProbeClusters();
  // 10 packets of 1000 bytes sent 1 ms apart (8 Mbit/s), arriving 4 ms apart (2 Mbit/s).
  for (let i = 0; i < 10; i++) probes.add(7, i, 50 + 4 * i, 1000);
  assert.equal(Math.round(probes.takeRateBps()), 2_000_000);
  assert.ok(Number.isNaN(probes.takeRateBps()), "each cluster's rate is taken once");
  // Sent 4 ms apart, arriving 1 ms apart: the send rate bounds it.
  for (let i = 0; i < 10; i++) probes.add(8, 100 + 4 * i, 150 + i, 1000);
  assert.equal(Math.round(probes.takeRateBps()), 2_000_000);
  for (let i = 0; i < minProbePackets - 1; i++) probes.add(9, 200 + i, 250 + i, 1000);
  assert.ok(Number.isNaN(probes.takeRateBps()), "too few packets say nothing");
});

test("a keyframe train arriving at 3 Mbit/s raises a 1 Mbit/s estimate, up to the probe ceiling", () => {
  const run = (ceilingBps: number) => {
    const estimator = new BandwidthEstimator({ initialBps: 1_000_000 });
    estimator.probeCeilingBps = ceilingBps;
    // 12 packets of 1200 bytes, sent at once (a pacer turn), arriving 3.2 ms apart.
    for (let seq = 0; seq < 12; seq++) estimator.onPacketSent(seq, 1200, 0, 30);
    const feedback: TransportCcFeedback = {
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSequenceNumber: 0,
      referenceTime: 0,
      feedbackPacketCount: 0,
      receiveDeltasUs: Array.from({ length: 12 }, (_, i) => (i === 0 ? 20_000 : 3_250)),
    };
    estimator.onFeedback(feedback, 100);
    return estimator.estimateBps;
  };
  const raised = run(Infinity);
  assert.ok(raised > 2_500_000 && raised < 3_200_000, `raised to ${raised}`);
  assert.equal(run(1_800_000), 1_800_000);
});
