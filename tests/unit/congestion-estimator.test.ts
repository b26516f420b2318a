import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BandwidthEstimator } from "../../core/congestion/bandwidth-estimator.ts";
import { TransportCcRecorder } from "../../core/congestion/feedback-recorder.ts";
import { buildTransportCc, parseTransportCc } from "../../core/rtcp/transport-cc.ts";
import { Bottleneck } from "./support/bottleneck.ts";

const packetBytes = 1200;
const feedbackIntervalMs = 100;
const feedbackReturnMs = 20;

interface Path {
  /** The arrival time of a packet sent at `nowMs`, or undefined for one lost. */
  send(sizeBytes: number, nowMs: number, index: number): number | undefined;
}

/**
 * Runs sender, path and receiver on a fake clock in 1 ms steps. The sender paces 1200-byte
 * packets at `rateBps(now, estimate)`; the receiver records arrivals and sends feedback every
 * 100 ms through the real codec; it reaches the estimator 20 ms later. `at(now, estimator)`
 * runs every ms, for the test to change the path or look.
 */
function simulate(options: {
  estimator: BandwidthEstimator;
  path: Path;
  durationMs: number;
  rateBps: (nowMs: number, estimateBps: number) => number;
  at?: (nowMs: number, estimator: BandwidthEstimator) => void;
}): void {
  const { estimator, path } = options;
  const recorder = new TransportCcRecorder();
  const inFlight: { arrivalMs: number; sequenceNumber: number }[] = [];
  const feedbacks: { dueMs: number; bytes: Uint8Array }[] = [];
  let budgetBytes = 0;
  let sent = 0;
  for (let now = 0; now < options.durationMs; now++) {
    budgetBytes += options.rateBps(now, estimator.estimateBps) / 8 / 1000;
    while (budgetBytes >= packetBytes) {
      budgetBytes -= packetBytes;
      const sequenceNumber = sent & 0xffff;
      estimator.onPacketSent(sequenceNumber, packetBytes, now);
      const arrivalMs = path.send(packetBytes, now, sent++);
      if (arrivalMs !== undefined) inFlight.push({ arrivalMs, sequenceNumber });
    }
    inFlight.sort((a, b) => a.arrivalMs - b.arrivalMs);
    while (inFlight.length && inFlight[0].arrivalMs <= now) {
      const { sequenceNumber, arrivalMs } = inFlight.shift()!;
      recorder.onPacketReceived(sequenceNumber, arrivalMs);
    }
    if (now % feedbackIntervalMs === 0) {
      const feedback = recorder.buildFeedback(1, 2);
      if (feedback) {
        feedbacks.push({ dueMs: now + feedbackReturnMs, bytes: buildTransportCc(feedback) });
      }
    }
    while (feedbacks.length && feedbacks[0].dueMs <= now) {
      estimator.onFeedback(parseTransportCc(feedbacks.shift()!.bytes), now);
    }
    options.at?.(now, estimator);
  }
}

/** A path with a fixed delay and, optionally, a loss pattern by packet index. */
const fixedDelay = (delayMs: number, lost = (_index: number) => false): Path => ({
  send: (_size, nowMs, index) => lost(index) ? undefined : nowMs + delayMs,
});

describe("bandwidth estimator on synthetic arrival patterns", () => {
  test("steady: with no queueing the estimate rises to the send rate, not far past it", () => {
    const estimator = new BandwidthEstimator({ initialBps: 1_000_000 });
    const sendBps = 1_500_000;
    const seen: number[] = [];
    simulate({
      estimator,
      path: fixedDelay(30),
      durationMs: 12_000,
      rateBps: () => sendBps,
      at: (now, e) => now % 1000 === 0 && seen.push(e.estimateBps),
    });
    assert.ok(seen.every((bps, i) => i === 0 || bps >= seen[i - 1]), `never falls: ${seen}`);
    assert.ok(estimator.estimateBps >= sendBps, `reaches the send rate: ${estimator.estimateBps}`);
    assert.ok(estimator.estimateBps <= 1.6 * sendBps, "stays near what was delivered");
    assert.equal(estimator.state.usage, "normal");
  });

  test("over-use: a queue that keeps growing brings the estimate below the path's rate within 1 s", () => {
    const estimator = new BandwidthEstimator({ initialBps: 2_000_000 });
    const path = new Bottleneck(1_500_000, 30, 60_000); // no drops: only delay grows
    let droppedAtMs: number | undefined;
    simulate({
      estimator,
      path,
      durationMs: 3000,
      rateBps: () => 2_000_000, // the sender ignores the estimate: the queue only grows
      at: (now, e) => {
        if (droppedAtMs === undefined && e.estimateBps < 1_500_000) droppedAtMs = now;
      },
    });
    assert.ok(droppedAtMs !== undefined && droppedAtMs <= 1000, `dropped at ${droppedAtMs} ms`);
    assert.ok(estimator.estimateBps <= 0.9 * 1_500_000, `${estimator.estimateBps}`);
  });

  test("loss: 20% of packets lost lowers the estimate; 1% does not", () => {
    /** The estimator after 2 s at 1 Mbit/s losing every `nth` packet. */
    const afterLosing = (nth: number) => {
      const estimator = new BandwidthEstimator({ initialBps: 1_000_000 });
      const path = fixedDelay(30, (i) => i % nth === 0);
      simulate({ estimator, path, durationMs: 2000, rateBps: () => 1_000_000 });
      return estimator;
    };
    const lossy = afterLosing(5);
    assert.ok(lossy.estimateBps < 0.9 * 1_000_000, `with 20% loss: ${lossy.estimateBps}`);
    assert.ok(Math.abs(lossy.state.lossFraction - 0.2) < 0.05, `${lossy.state.lossFraction}`);
    const clean = afterLosing(100);
    assert.ok(clean.estimateBps >= 1_000_000, `with 1% loss: ${clean.estimateBps}`);
  });

  test("REMB caps the estimate, and a higher REMB does not raise it", () => {
    const estimator = new BandwidthEstimator({ initialBps: 1_000_000 });
    estimator.onRemb(400_000);
    assert.equal(estimator.estimateBps, 400_000);
    simulate({ estimator, path: fixedDelay(30), durationMs: 3000, rateBps: () => 1_000_000 });
    assert.equal(estimator.estimateBps, 400_000, "feedback does not lift it past the REMB");
    estimator.onRemb(50_000_000);
    assert.ok(estimator.estimateBps > 400_000 && estimator.estimateBps <= 1_510_000);
  });
});

describe("bandwidth estimator through a simulated bottleneck, sending at the estimate", () => {
  test("settles near capacity in 10 s, follows a halving in 5 s and the recovery in 15 s", () => {
    const full = 2_000_000;
    const path = new Bottleneck(full, 40, 300);
    const estimator = new BandwidthEstimator({ initialBps: 1_000_000 });
    // capacity from `fromMs` on; the estimate must be within 30% of it from `settledMs` to `toMs`
    const phases = [
      { fromMs: 0, settledMs: 10_000, toMs: 20_000, capacityBps: full },
      { fromMs: 20_000, settledMs: 25_000, toMs: 35_000, capacityBps: full / 2 },
      { fromMs: 35_000, settledMs: 50_000, toMs: 55_000, capacityBps: full },
    ];
    const misses: string[] = [];
    simulate({
      estimator,
      path,
      durationMs: 55_000,
      rateBps: (_now, estimateBps) => estimateBps,
      at: (now, e) => {
        const phase = phases.findLast((p) => p.fromMs <= now)!;
        path.capacityBps = phase.capacityBps;
        if (
          now >= phase.settledMs &&
          Math.abs(e.estimateBps - phase.capacityBps) > 0.3 * phase.capacityBps
        ) {
          misses.push(`${now} ms: ${Math.round(e.estimateBps / 1000)} kbit/s`);
        }
      },
    });
    assert.deepEqual(misses.slice(0, 5), [], `${misses.length} ms out of 30%`);
  });
});
