/**
 * Under real signaling latency (the local endpoint delivering each message 50 ms late, one way)
 * a viewer that trickles its candidates right after its offer, as browsers and the KVS SDKs do,
 * gets its DTLS handshake done without waiting for a retransmission: the master holds the
 * viewer's candidates until the viewer can have the answer, so its ClientHello is not sent to
 * a peer that would drop it. The bound (500 ms) is far above the goal and far below the 1 s
 * retransmission this guards against.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openSignaling } from "../../adapters/aws/mod.ts";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { ViewerClient } from "../../adapters/viewer/viewer-client.ts";
import { silentLog } from "../../core/log.ts";
import { startMaster, until } from "../helpers/media-session.ts";

describe("first frame under 50 ms of one-way signaling delay", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const close of cleanup.reverse()) await close();
  });

  test("10 early-trickling viewers: no DTLS handshake takes more than 500 ms", async () => {
    const endpoint = await startLocalEndpoint({ testSignalingDelayMs: 50 });
    cleanup.push(() => endpoint.stop({ graceMs: 0 }));
    const channel = "delayed";
    const setup = await startMaster(channel, { endpointUrl: endpoint.url });
    cleanup.push(() => setup.stop());
    const { master, target } = setup;
    const handshakes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const clientId = `early-${i}`;
      const session = await openSignaling({ target, channel, role: "VIEWER", clientId });
      const client = new ViewerClient({
        signaling: session.signaling,
        iceServers: session.iceServers,
        clientId,
        bindAddress: "127.0.0.1",
        log: silentLog,
        trickleEarly: true,
      });
      try {
        await until(() => master.viewers.has(clientId), 5_000, `viewer ${clientId} at the master`);
        const peer = master.viewers.get(clientId)!;
        await until(() => client.stats.frames > 0, 10_000, `a first frame at ${clientId}`);
        await until(() => peer.timer.duration("dtlsHandshake") !== undefined, 5_000, "DTLS");
        handshakes.push(peer.timer.duration("dtlsHandshake")!);
      } finally {
        client.close();
        session.close();
      }
      await until(() => !master.viewers.has(clientId), 10_000, `viewer ${clientId} gone`);
    }
    const slow = handshakes.filter((ms) => ms > 500);
    assert.deepEqual(slow, [], `DTLS handshakes (ms): ${handshakes.map(Math.round).join(", ")}`);
  });
});
