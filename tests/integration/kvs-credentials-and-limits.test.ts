import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolveTarget } from "../../adapters/aws/target.ts";
import { openSignaling, type SignalingSession } from "../../adapters/aws/open-signaling.ts";
import type { SignalingClient } from "../../adapters/aws/signaling-client.ts";
import { KvsError } from "../../core/aws/errors.ts";
import { kvsFailureMessage } from "../../adapters/aws/failure-message.ts";
import type { IceCandidate } from "../../core/aws/signaling-messages.ts";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { makeTestPki } from "../helpers/iot-pki.ts";

const candidate = (n: number): IceCandidate => ({
  candidate: `candidate:${n} 1 UDP 2122252543 127.0.0.1 ${5000 + n} typ host`,
  sdpMid: "0",
  sdpMLineIndex: 0,
});

function nextCandidate(client: SignalingClient, timeoutMs = 3000): Promise<IceCandidate> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no candidate within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once("iceCandidate", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
}

async function assertRelays(master: SignalingSession, viewer: SignalingSession, n: number) {
  const atMaster = nextCandidate(master.signaling);
  viewer.signaling.sendIceCandidate(candidate(n));
  assert.equal((await atMaster).candidate, candidate(n).candidate);
  const atViewer = nextCandidate(viewer.signaling);
  master.signaling.sendIceCandidate(candidate(n + 1), viewer.clientId);
  assert.equal((await atViewer).candidate, candidate(n + 1).candidate);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("KVS client: limits, credentials and clock against the local endpoint", () => {
  test("short idle and duration limits end in clean reconnects and the relay keeps working", async () => {
    const target = await resolveTarget({}, {
      localEndpoint: { limits: { idleTimeoutMs: 800, maxConnectionMs: 1500, goAwayGraceMs: 100 } },
    });
    const master = await openSignaling({
      target,
      channel: "limits",
      role: "MASTER",
      createChannel: true,
    });
    const viewer = await openSignaling({ target, channel: "limits", role: "VIEWER" });
    const drops: string[] = [];
    master.signaling.on("disconnected", (why) => drops.push(why));
    try {
      const before = master.signaling.connectionCount;
      for (let i = 0; i < 8; i++) {
        await sleep(500);
        await assertRelays(master, viewer, i * 2);
      }
      assert.ok(master.signaling.connectionCount - before >= 2, "the limits forced reconnects");
      assert.deepEqual(drops, [], "every reconnect followed GO_AWAY, none was a surprise drop");
    } finally {
      viewer.close();
      master.close();
      await target.close();
    }
  });

  test("a device clock 30 minutes slow is corrected from the Date header", async () => {
    const target = await resolveTarget({}, { deviceNow: () => Date.now() - 30 * 60_000 });
    const master = await openSignaling({
      target,
      channel: "skew",
      role: "MASTER",
      createChannel: true,
    });
    try {
      assert.ok(
        Math.abs(target.clock.offsetMs - 30 * 60_000) < 5_000,
        `offset ${target.clock.offsetMs}`,
      );
      assert.ok(master.signaling.connected, "the presigned URL used the corrected time too");
    } finally {
      master.close();
      await target.close();
    }
  });

  test("a wrong secret key fails with one line naming AWS's error", async () => {
    const local = await startLocalEndpoint();
    try {
      const target = await resolveTarget({
        region: local.region,
        endpointUrl: local.url,
        credentials: { accessKeyId: local.credentials.accessKeyId, secretAccessKey: "wrong" },
      }, { env: {} });
      await assert.rejects(
        openSignaling({ target, channel: "c", role: "MASTER", createChannel: true }),
        (err: unknown) => {
          assert.ok(err instanceof KvsError);
          assert.equal(err.name, "InvalidSignatureException");
          assert.equal(err.status, 403);
          assert.doesNotMatch(err.message, /\n/);
          assert.match(
            kvsFailureMessage(err)!,
            /^DescribeSignalingChannel failed: InvalidSignatureException: .*\(check the secret access key and the device clock\)$/,
          );
          return true;
        },
      );
    } finally {
      await local.stop();
    }
  });

  test("a channel name typo reads 'not found in <region>'", async () => {
    const target = await resolveTarget({}, {});
    try {
      await assert.rejects(
        openSignaling({ target, channel: "no-such-channel", role: "VIEWER" }),
        /signaling channel "no-such-channel" not found in us-west-2/,
      );
    } finally {
      await target.close();
    }
  });

  test("IoT credentials rotated every 2 s keep signaling working", async () => {
    const pki = makeTestPki();
    const local = await startLocalEndpoint({
      iot: {
        tls: { cert: pki.serverCert, key: pki.serverKey, deviceCa: pki.caCert },
        roleAliases: { "kvs-role": { credentialLifetimeSeconds: 2 } },
      },
    });
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const target = await resolveTarget({
      region: local.region,
      endpointUrl: local.url,
      credentials: {
        iotCredentialEndpoint: local.iotCredentialsUrl,
        iotThingName: "test-thing",
        iotRoleAlias: "kvs-role",
        iotCert: pki.deviceCertPath,
        iotPrivateKey: pki.deviceKeyPath,
        iotCa: pki.caPath,
      },
    }, { env: {}, log });
    const master = await openSignaling({
      target,
      channel: "iot",
      role: "MASTER",
      createChannel: true,
      log,
    });
    const viewer = await openSignaling({ target, channel: "iot", role: "VIEWER", log });
    try {
      const keys = new Set<string>();
      for (let i = 0; i < 6; i++) {
        // Every API call and every reconnect signs with whatever the cache holds now.
        keys.add((await target.credentials.get()).accessKeyId);
        await master.refreshIceServers();
        const reconnected = new Promise<void>((r) =>
          master.signaling.once("reconnected", () => r())
        );
        local.testDropClient(master.channelArn);
        await reconnected;
        await assertRelays(master, viewer, i * 2);
        await sleep(700);
      }
      assert.ok(keys.size >= 2, `credentials rotated (${keys.size} sets used)`);
      assert.deepEqual(warnings, []);
    } finally {
      viewer.close();
      master.close();
      await target.close();
      await local.stop();
      pki.remove();
    }
  });
});
