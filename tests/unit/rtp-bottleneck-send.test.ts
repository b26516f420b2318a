import { test } from "node:test";
import assert from "node:assert/strict";
import { BottleneckSend } from "../../core/rtp/bottleneck-send.ts";
import { FakeTurns } from "./support/fake-turns.ts";

/** A 1 Mbit/s bottleneck with 20 ms of delay and a 50 ms queue, on a fake clock. */
function setup() {
  let clock = 0;
  const turns = new FakeTurns(() => clock, (ms) => (clock = ms));
  const bottleneck = new BottleneckSend({
    capacityBps: 1_000_000,
    delayMs: 20,
    queueLimitMs: 50,
    now: () => clock,
    schedule: turns.schedule,
  });
  const arrived: { track: string; first: number; atMs: number }[] = [];
  const sendOn = (track: string) =>
    bottleneck.wrap((p) => (arrived.push({ track, first: p[0], atMs: clock }), true));
  return { bottleneck, turns, arrived, video: sendOn("video"), audio: sendOn("audio") };
}

test("a bottleneck drains its tracks' packets at its capacity, after its delay, in order", () => {
  const { turns, arrived, video, audio } = setup();
  const packet = (first: number) => new Uint8Array(1250).fill(first); // 10 ms at 1 Mbit/s
  const scratch = packet(1);
  assert.equal(video(scratch), true);
  scratch.fill(9); // the sender reuses its bytes: the queue holds its own copy
  audio(packet(2));
  video(packet(3));
  while (turns.runNext());
  assert.deepEqual(arrived, [
    { track: "video", first: 1, atMs: 30 },
    { track: "audio", first: 2, atMs: 40 },
    { track: "video", first: 3, atMs: 50 },
  ]);
});

test("a full queue drops what would wait longer than its limit; a wider path drains faster", () => {
  const { bottleneck, turns, arrived, video } = setup();
  for (let i = 0; i < 10; i++) assert.equal(video(new Uint8Array(1250)), true, "reported sent");
  assert.equal(bottleneck.dropped, 4, "60 ms of the 100 ms sent fit a 50 ms queue");
  while (turns.runNext());
  assert.equal(arrived.length, 6);
  bottleneck.capacityBps = 10_000_000;
  const before = arrived.length;
  for (let i = 0; i < 10; i++) video(new Uint8Array(1250));
  while (turns.runNext());
  assert.equal(arrived.length - before, 10, "at 10 Mbit/s all of it fits");
  assert.equal(bottleneck.passed, 16);
});
