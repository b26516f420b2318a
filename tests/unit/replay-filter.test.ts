import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ReplayFilter } from "../../core/media/replay-filter.ts";

/** Frame n of a stream with a keyframe every 10: distinct bytes for each n. */
const frame = (n: number) => new Uint8Array([0, 0, 0, 1, n % 10 === 0 ? 0x65 : 0x41, n >> 8, n]);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Feeds frames `ns` at `nowMs` and returns those accepted. */
function feed(filter: ReplayFilter, ns: number[], nowMs = 0): number[] {
  return ns.filter((n) => filter.accept(frame(n), n % 10 === 0, nowMs));
}

describe("replay filter", () => {
  test("a replayed GOP is skipped, then the new frames after it are accepted", () => {
    const filter = new ReplayFilter();
    assert.deepEqual(feed(filter, range(0, 7)), range(0, 7));
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, range(0, 7), 20), [], "the repeats");
    assert.deepEqual(feed(filter, range(8, 12), 40), range(8, 12));
  });

  test("a replay that stops early (the master's newest was behind) ends at the first new frame", () => {
    const filter = new ReplayFilter();
    feed(filter, range(0, 7));
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, range(0, 4), 20), []);
    assert.deepEqual(feed(filter, [8, 9, 10, 11], 40), [8, 9, 10, 11]);
  });

  test("after a replay that stopped early, the GOP held is the one replayed and what followed", () => {
    const filter = new ReplayFilter();
    feed(filter, range(0, 7));
    filter.expectReplay(0);
    feed(filter, [...range(0, 4), 8, 9], 20);
    filter.expectReplay(100);
    assert.deepEqual(feed(filter, [...range(0, 4), 8, 9], 120), [], "a second replay of it");
    assert.deepEqual(feed(filter, [10], 140), [10]);
  });

  test("a frame lost before the PLI: of the burst K..N after K..L-1, exactly L..N are accepted", () => {
    const filter = new ReplayFilter();
    feed(filter, range(10, 14)); // 15 was lost, the viewer asks for a keyframe
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, range(10, 19), 30), range(15, 19));
    assert.deepEqual(feed(filter, range(20, 22), 60), range(20, 22));
  });

  test("not armed, an identical GOP is accepted (a looped one-GOP file)", () => {
    const filter = new ReplayFilter();
    assert.deepEqual(feed(filter, range(0, 9)), range(0, 9));
    assert.deepEqual(feed(filter, range(0, 9)), range(0, 9));
  });

  test("the arming expires about a second after the request", () => {
    const late = new ReplayFilter();
    feed(late, range(0, 5));
    late.expectReplay(1000);
    assert.deepEqual(feed(late, range(0, 5), 2001), range(0, 5));
    const inTime = new ReplayFilter();
    feed(inTime, range(0, 5));
    inTime.expectReplay(1000);
    assert.deepEqual(feed(inTime, range(0, 5), 1999), []);
  });

  test("each request is answered by one replay: an identical GOP after it is accepted", () => {
    const filter = new ReplayFilter();
    feed(filter, range(0, 9));
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, range(0, 9), 10), []);
    assert.deepEqual(feed(filter, range(0, 9), 20), range(0, 9), "the file looped");
    filter.expectReplay(100);
    filter.expectReplay(150);
    assert.deepEqual(feed(filter, range(0, 9), 200), [], "two requests, two replays");
    assert.deepEqual(feed(filter, range(0, 9), 210), []);
  });

  test("a keyframe that does not match starts a new GOP", () => {
    const filter = new ReplayFilter();
    feed(filter, range(0, 5));
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, range(10, 13), 10), range(10, 13));
    assert.deepEqual(feed(filter, range(0, 1), 20), [0, 1], "the old GOP is not held any more");
    filter.expectReplay(100);
    assert.deepEqual(feed(filter, range(0, 1), 110), []);
  });

  test("only the first 4096 frames of a GOP are held", () => {
    const filter = new ReplayFilter();
    const gop = [0, ...range(1, 5000).map((n) => n * 10 + 1)]; // one keyframe, then 5000 others
    assert.equal(feed(filter, gop).length, gop.length);
    filter.expectReplay(0);
    assert.deepEqual(feed(filter, gop, 10), gop.slice(4096), "past what is held: new");
  });
});
