/**
 * Transport-cc feedback as a master receives it from a hostile viewer: the parser (a plain
 * Error for a malformed message, never more statuses than its bound), a rebuild of what it
 * parsed (always encodable, parsing back the same), and a bandwidth estimator fed each
 * parsed message (its estimate stays a number within its bounds).
 */
import { BandwidthEstimator } from "../../../core/congestion/bandwidth-estimator.ts";
import {
  buildTransportCc,
  maxTransportCcPackets,
  parseTransportCc,
} from "../../../core/rtcp/transport-cc.ts";
import { mutatedSeed } from "../mutate.ts";
import { once } from "../seeds.ts";
import { type FuzzTarget, invariant, isPlainError, showBytes } from "../target.ts";

const base = { senderSsrc: 1, mediaSsrc: 2, referenceTime: 100, feedbackPacketCount: 7 };

/** Messages with every chunk kind, small, large and negative deltas, and P-bit padding. */
const feedbackSeeds = once(() => [
  buildTransportCc({ ...base, baseSequenceNumber: 0, receiveDeltasUs: [1000, 250, null, 500] }),
  buildTransportCc({
    ...base,
    baseSequenceNumber: 65530,
    receiveDeltasUs: [-250, 64000, null, 0, 8191750, -8192000, null, null, 750],
  }),
  buildTransportCc({
    ...base,
    baseSequenceNumber: 40,
    receiveDeltasUs: [...Array(300).fill(null), ...Array(20).fill(2500), null, 250],
  }),
  buildTransportCc({ ...base, baseSequenceNumber: 9, receiveDeltasUs: [] }),
]);

const minBps = 100_000;
const maxBps = 20_000_000;

/** One estimator across cases, with packets 0..65535 recorded as sent, as a master's would be. */
const estimator = once(() => {
  const e = new BandwidthEstimator({ minBps, maxBps });
  for (let seq = 0; seq <= 0xffff; seq++) e.onPacketSent(seq, 1200, seq);
  return { e, clock: { ms: 0x10000 } };
});

export const transportCcFeedback: FuzzTarget<Uint8Array> = {
  name: "transport-cc-feedback",
  input: (rng) => mutatedSeed(feedbackSeeds(), rng),
  run(bytes) {
    const feedback = parseTransportCc(bytes);
    invariant(
      feedback.receiveDeltasUs.length <= maxTransportCcPackets,
      `${feedback.receiveDeltasUs.length} statuses, over the bound`,
    );
    const again = parseTransportCc(buildTransportCc(feedback));
    invariant(
      JSON.stringify(again) === JSON.stringify(feedback),
      "a parsed message does not rebuild to itself",
    );
    const { e, clock } = estimator();
    e.onFeedback(feedback, clock.ms += 100);
    invariant(
      e.estimateBps >= minBps && e.estimateBps <= maxBps,
      `estimate ${e.estimateBps} outside its bounds`,
    );
  },
  deliberate: isPlainError,
  show: showBytes,
};
