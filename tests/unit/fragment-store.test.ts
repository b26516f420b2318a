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
  test("numbers are 47 digits and increase, even within one ms or when the clock steps back", async () => {
    const store = new FragmentStore();
    const numbers: string[] = [];
    for (const [i, ms] of [5000, 5000, 4000, 6000].entries()) {
      numbers.push((await store.append("arn:s", fragment(i), ms)).fragmentNumber);
    }
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

const hour = 3_600_000;

/** A fragment whose frames hold `bytes` bytes. */
const sized = (producerTimestampMs: number, bytes: number): Fragment => ({
  ...fragment(producerTimestampMs),
  frames: [{
    track: 1,
    timecodeMs: producerTimestampMs,
    keyframe: true,
    data: new Uint8Array(bytes),
  }],
});

describe("fragment store bounds", () => {
  test("a fragment past its stream's retention is dropped, on append and on dropExpired", async () => {
    let now = 10 * hour;
    const retention = new Map([["arn:a", 1], ["arn:b", 2]]);
    const store = new FragmentStore(() => now, { retentionHours: (arn) => retention.get(arn) });
    await store.append("arn:a", fragment(1));
    await store.append("arn:b", fragment(2));
    now += hour + 1;
    await store.append("arn:a", fragment(3));
    assert.deepEqual(store.fragments("arn:a").map((f) => f.producerTimestampMs), [3]);
    assert.equal(store.fragments("arn:b").length, 1, "two hours not yet gone");
    now += hour;
    store.dropExpired();
    assert.equal(store.fragments("arn:b").length, 0);
    assert.equal(store.fragments("arn:a").length, 1);
  });

  test("a stream with retention 0 keeps nothing, yet numbers and shows its fragments live", async () => {
    const store = new FragmentStore(Date.now, { retentionHours: () => 0 });
    const seen: string[] = [];
    store.follow("arn:live", (f) => seen.push(f.fragmentNumber));
    const stored = await store.append("arn:live", fragment(1));
    assert.equal(store.keepsData("arn:live"), false);
    assert.deepEqual(seen, [stored.fragmentNumber]);
    assert.equal(store.fragments("arn:live").length, 0);
    assert.equal(new FragmentStore().keepsData("arn:any"), true);
  });

  test("over the byte cap the oldest fragments of all streams go first, one warning per stream", async () => {
    const warnings: string[] = [];
    const store = new FragmentStore(Date.now, {
      maxBytes: 4 * 1600,
      onWarning: (line) => warnings.push(line),
    });
    for (let i = 0; i < 4; i++) await store.append(i % 2 ? "arn:b" : "arn:a", sized(i, 1000));
    assert.deepEqual(warnings, []);
    await store.append("arn:a", sized(4, 4000));
    assert.deepEqual(store.fragments("arn:a").map((f) => f.producerTimestampMs), [4]);
    assert.deepEqual(store.fragments("arn:b").map((f) => f.producerTimestampMs), [3]);
    assert.ok(store.bytes <= store.maxBytes, `${store.bytes}`);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /dropped the 2 oldest fragment\(s\) of arn:a/);
    assert.match(warnings[1], /dropped the 1 oldest fragment\(s\) of arn:b/);
  });

  test("a fragment larger than the whole cap is still kept, alone", async () => {
    const store = new FragmentStore(Date.now, { maxBytes: 1000, onWarning: () => {} });
    await store.append("arn:a", sized(1, 500));
    await store.append("arn:a", sized(2, 5000));
    assert.deepEqual(store.fragments("arn:a").map((f) => f.producerTimestampMs), [2]);
  });

  test("deleteStream drops the stream's fragments and their bytes", async () => {
    const store = new FragmentStore();
    await store.append("arn:a", sized(1, 100));
    store.deleteStream("arn:a");
    assert.equal(store.fragments("arn:a").length, 0);
    assert.equal(store.bytes, 0);
  });

  test("numbers keep increasing after a restart from what the log recovered", async () => {
    const first = new FragmentStore(() => 9000);
    const old = await first.append("arn:a", fragment(1));
    // The clock went back: the next number must still come after the recovered one.
    const second = new FragmentStore(() => 5000, {
      recovered: [{ streamArn: "arn:a", fragment: old }],
    });
    const next = await second.append("arn:a", fragment(2));
    assert.ok(compareFragmentNumbers(old.fragmentNumber, next.fragmentNumber) < 0);
    assert.deepEqual(second.fragments("arn:a").map((f) => f.producerTimestampMs), [1, 2]);
  });

  test("append resolves once the log has written the fragment, which is served before", async () => {
    let written: () => void = () => {};
    const log = {
      write: () => new Promise<void>((resolve) => written = resolve),
      dropThrough() {},
      deleteStream() {},
    };
    const store = new FragmentStore(Date.now, { log });
    let resolved = false;
    const appending = store.append("arn:a", fragment(1)).then(() => resolved = true);
    assert.equal(store.fragments("arn:a").length, 1);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(resolved, false);
    written();
    await appending;
    assert.equal(resolved, true);
  });
});
