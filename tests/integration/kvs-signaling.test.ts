import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type KvsTarget, resolveTarget } from "../../adapters/aws/target.ts";
import { openSignaling, type SignalingSession } from "../../adapters/aws/open-signaling.ts";
import type { SignalingClient } from "../../adapters/aws/signaling-client.ts";
import type { IceCandidate } from "../../core/aws/signaling-messages.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";

const sdp = (kind: string) => `v=0\r\no=- ${kind} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n`;
const candidate = (n: number): IceCandidate => ({
  candidate: `candidate:${n} 1 UDP 2122252543 127.0.0.1 ${5000 + n} typ host`,
  sdpMid: "0",
  sdpMLineIndex: 0,
});

function next<T extends unknown[]>(
  client: SignalingClient,
  event: "iceCandidate" | "sdpOffer" | "sdpAnswer" | "reconnected" | "superseded",
  timeoutMs = 3000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: unknown[]) => {
      clearTimeout(timer);
      client.off(event, on);
      resolve(args as T);
    };
    client.on(event, on);
  });
}

/** A candidate sent each way arrives: the relay works for this pair. */
async function assertRelays(master: SignalingSession, viewer: SignalingSession, n: number) {
  const atMaster = next<[IceCandidate, string]>(master.signaling, "iceCandidate");
  viewer.signaling.sendIceCandidate(candidate(n));
  const [got, from] = await atMaster;
  assert.equal(got.candidate, candidate(n).candidate);
  assert.equal(from, viewer.clientId);
  const atViewer = next<[IceCandidate]>(viewer.signaling, "iceCandidate");
  master.signaling.sendIceCandidate(candidate(n + 1000), viewer.clientId);
  assert.equal((await atViewer)[0].candidate, candidate(n + 1000).candidate);
}

describe("KVS signaling against the local endpoint", () => {
  let target: KvsTarget;
  let master: SignalingSession;
  let viewer: SignalingSession;
  const timer = new ConnectionTimer();

  before(async () => {
    target = await resolveTarget({}, {});
    master = await openSignaling({
      target,
      channel: "reconnects",
      role: "MASTER",
      createChannel: true,
      timer,
    });
    viewer = await openSignaling({
      target,
      channel: "reconnects",
      role: "VIEWER",
      clientId: "viewer-1",
    });
  });
  after(async () => {
    viewer?.close();
    master?.close();
    await target?.close();
  });

  test("the master's setup phases are marked on the connection timer, in order", () => {
    const marked = timer.timings().filter((t) => t.end !== undefined).map((t) => t.phase);
    assert.deepEqual(marked, [
      "getCredentials",
      "describeChannel",
      "getSignalingEndpoints",
      "getIceServerConfig",
      "connectWebSocket",
    ]);
    assert.ok(master.iceServers.length > 0);
    assert.match(
      master.channelArn,
      /^arn:aws:kinesisvideo:us-west-2:\d{12}:channel\/reconnects\/\d{13}$/,
    );
  });

  test("offer, answer and candidates travel between viewer and master", async () => {
    const offered = next<[{ type: string; sdp: string }, string]>(master.signaling, "sdpOffer");
    viewer.signaling.sendSdpOffer({ type: "offer", sdp: sdp("offer") });
    const [offer, from] = await offered;
    assert.equal(offer.sdp, sdp("offer"));
    assert.equal(from, "viewer-1");
    const answered = next<[{ type: string; sdp: string }]>(viewer.signaling, "sdpAnswer");
    master.signaling.sendSdpAnswer({ type: "answer", sdp: sdp("answer") }, from);
    assert.equal((await answered)[0].sdp, sdp("answer"));
    await assertRelays(master, viewer, 1);
  });

  test("the master's socket cut 20 times by the endpoint: each reconnect under 2 s, relay keeps working", async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const reconnected = next(master.signaling, "reconnected", 5000);
      const t0 = performance.now();
      target.localEndpoint!.testDropClient(master.channelArn);
      await reconnected;
      times.push(performance.now() - t0);
      await assertRelays(master, viewer, 10 + i);
    }
    console.log(
      `master reconnects (ms): max ${Math.max(...times).toFixed(0)}, ` +
        `mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(0)}`,
    );
    for (const t of times) assert.ok(t < 2000, `reconnect took ${t.toFixed(0)} ms`);
    assert.ok(viewer.signaling.connected, "the viewer's own connection was not disturbed");
  });

  test("a candidate the master sends while its socket is down is delivered after the reconnect", async () => {
    const reconnected = next(master.signaling, "reconnected", 5000);
    target.localEndpoint!.testDropClient(master.channelArn);
    await new Promise((r) => setTimeout(r, 0));
    const atViewer = next<[IceCandidate]>(viewer.signaling, "iceCandidate");
    master.signaling.sendIceCandidate(candidate(77), viewer.clientId);
    await reconnected;
    assert.equal((await atViewer)[0].candidate, candidate(77).candidate);
  });

  test("GO_AWAY makes both clients reconnect at once, with fresh endpoints", async () => {
    const both = Promise.all([
      next(master.signaling, "reconnected", 5000),
      next(viewer.signaling, "reconnected", 5000),
    ]);
    const t0 = performance.now();
    target.localEndpoint!.testSendGoAway(master.channelArn, 30_000);
    await both;
    assert.ok(performance.now() - t0 < 2000, "did not wait for the grace period");
    await assertRelays(master, viewer, 200);
  });

  // Last: it ends the first master.
  test("a newer master takes the channel: the old one stops for good instead of taking it back", async () => {
    const superseded = next<[string]>(master.signaling, "superseded");
    const second = await openSignaling({ target, channel: "reconnects", role: "MASTER" });
    try {
      assert.match((await superseded)[0], /A new master connected/);
      const [before, first] = [second.signaling.connectionCount, master.signaling.connectionCount];
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(master.signaling.connectionCount, first, "the old master did not reconnect");
      assert.equal(second.signaling.connectionCount, before, "the new master kept its socket");
      await assertRelays(second, viewer, 300);
    } finally {
      second.close();
    }
  });
});
