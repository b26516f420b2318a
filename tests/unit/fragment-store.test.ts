import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compareFragmentNumbers, type Fragment } from "../../core/fragments/fragment.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";

const fragment = (producerTimestampMs: number): Fragment => ({
  producerTimestampMs,
  durationMs: 2000,
  tracks: [],
  frames: [],
  tags: [],
  sizeBytes: 0,
});

describe("fragment store", () => {
  test("numbers are 47 digits and increase, even within one ms or when the clock steps back", () => {
    const store = new FragmentStore();
    const numbers = [5000, 5000, 4000, 6000].map((ms, i) =>
      store.append("arn:s", fragment(i), ms).fragmentNumber
    );
    for (const number of numbers) assert.match(number, /^[0-9]{47}$/);
    for (let i = 1; i < numbers.length; i++) {
      assert.ok(compareFragmentNumbers(numbers[i - 1], numbers[i]) < 0, `${i}`);
    }
    assert.deepEqual(numbers.map((n) => store.get("arn:s", n)?.producerTimestampMs), [0, 1, 2, 3]);
    assert.equal(store.get("arn:s", "1"), undefined);
  });

  test("a follower sees each fragment stored after it subscribed, until it stops", () => {
    const store = new FragmentStore();
    store.append("arn:s", fragment(1));
    const seen: number[] = [];
    const stop = store.follow("arn:s", (f) => seen.push(f.producerTimestampMs));
    store.append("arn:s", fragment(2));
    store.append("arn:other", fragment(3));
    stop();
    store.append("arn:s", fragment(4));
    assert.deepEqual(seen, [2]);
    assert.equal(store.fragments("arn:s").length, 3);
  });
});
