import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignalingRelay } from "../../core/local-endpoint/signaling-relay.ts";

const channel = {
  arn: "arn:aws:kinesisvideo:us-west-2:111122223333:channel/c/1",
  messageTtlSeconds: 60,
};

function socket() {
  const received: { text: string; at: number }[] = [];
  return {
    received,
    send: (text: string) => void received.push({ text, at: performance.now() }),
    bufferedAmount: () => 0,
    close() {},
  };
}

function candidateFrame(n: number): string {
  const payload = btoa(JSON.stringify({ candidate: `candidate:${n}`, sdpMid: "0" }));
  return JSON.stringify({ action: "ICE_CANDIDATE", messagePayload: payload });
}

describe("signaling relay test-only delay", () => {
  test("delivers every relayed message the set time late, in the order sent", async () => {
    const relay = new SignalingRelay();
    relay.testDelayMs = 40;
    const master = socket();
    const viewer = socket();
    relay.admit(channel, "MASTER").open(master);
    const fromViewer = relay.admit(channel, "VIEWER", "v1");
    fromViewer.open(viewer);
    const sentAt = performance.now();
    for (let n = 0; n < 5; n++) fromViewer.receive(candidateFrame(n));
    assert.equal(master.received.length, 0, "nothing arrives at once");
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(master.received.length, 5);
    for (const { at } of master.received) assert.ok(at - sentAt >= 39, `${at - sentAt} ms`);
    const order = master.received.map(({ text }) => {
      const payload = JSON.parse(atob(JSON.parse(text).messagePayload));
      return payload.candidate;
    });
    assert.deepEqual(order, [0, 1, 2, 3, 4].map((n) => `candidate:${n}`));
  });

  test("delivers at once by default", () => {
    const relay = new SignalingRelay();
    const master = socket();
    relay.admit(channel, "MASTER").open(master);
    const fromViewer = relay.admit(channel, "VIEWER", "v1");
    fromViewer.open(socket());
    fromViewer.receive(candidateFrame(1));
    assert.equal(master.received.length, 1);
  });
});
