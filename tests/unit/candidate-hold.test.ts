import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CandidateHold } from "../../core/signaling/candidate-hold.ts";

function hold(options: { maxPeers?: number; maxPerPeer?: number; holdMs?: number } = {}) {
  const clock = { now: 0 };
  const h = new CandidateHold<string>({ maxPeers: 4, ...options, now: () => clock.now });
  return { h, clock };
}

describe("candidate hold", () => {
  test("hands over a peer's candidates in arrival order, once", () => {
    const { h } = hold();
    h.hold("a", "a1");
    h.hold("b", "b1");
    h.hold("a", "a2");
    assert.deepEqual(h.release("a"), ["a1", "a2"]);
    assert.deepEqual(h.release("a"), []);
    assert.equal(h.size, 1);
  });

  test("bounds the candidates per peer and the peers held", () => {
    const { h } = hold({ maxPeers: 2, maxPerPeer: 3 });
    const taken = [1, 2, 3, 4].map((i) => h.hold("a", `a${i}`));
    assert.deepEqual(taken, [true, true, true, false]);
    assert.equal(h.hold("b", "b1"), true);
    assert.equal(h.hold("c", "c1"), false, "a third peer is over maxPeers");
    assert.deepEqual(h.release("a"), ["a1", "a2", "a3"]);
  });

  test("forgets what is older than the hold time", () => {
    const { h, clock } = hold({ holdMs: 1000 });
    h.hold("a", "a1");
    clock.now = 1001;
    h.hold("b", "b1");
    assert.deepEqual(h.release("a"), []);
    assert.deepEqual(h.release("b"), ["b1"]);
  });

  test("drops a departed peer's late candidates until it comes back or the hold time passes", () => {
    const { h, clock } = hold({ holdMs: 1000 });
    h.hold("a", "a1");
    h.departed("a");
    assert.equal(h.hold("a", "late"), false);
    assert.equal(h.size, 0);
    assert.deepEqual(h.release("a"), [], "a new offer from the same peer");
    assert.equal(h.hold("a", "again"), true, "it is not departed any more");
    h.departed("a");
    clock.now = 1001;
    assert.equal(h.hold("a", "much later"), true, "departures are forgotten too");
  });
});
