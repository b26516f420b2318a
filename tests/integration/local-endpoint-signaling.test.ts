/**
 * The signaling WebSocket of the local endpoint with real sockets on loopback: one master and ten
 * viewers exchanging offers, answers and candidates, the limits, and bad input that must not
 * disturb anyone else; then the bounds on message size and rate, connections, and a client that
 * never reads.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import {
  type LocalEndpoint,
  type LocalEndpointOptions,
  startLocalEndpoint,
} from "../../adapters/local/mod.ts";
import { awsRelayLimits } from "../../core/local-endpoint/signaling-relay.ts";
import { supersededCloseCode } from "../../core/aws/signaling-messages.ts";
import {
  base64Json,
  fromBase64Json,
  presignedSignalingUrl,
  rawUpgrade,
  TestSignalingSocket,
} from "../helpers/local-endpoint.ts";

async function createChannel(endpoint: LocalEndpoint, name: string): Promise<string> {
  const kvs = new KinesisVideoClient({
    endpoint: endpoint.url,
    region: endpoint.region,
    credentials: endpoint.credentials,
  });
  return (await kvs.send(new CreateSignalingChannelCommand({ ChannelName: name }))).ChannelARN!;
}

function signalingUrl(endpoint: LocalEndpoint, channelArn: string, clientId?: string, extra = {}) {
  return presignedSignalingUrl({
    endpoint: endpoint.url.replace("http:", "ws:"),
    channelArn,
    clientId,
    credentials: endpoint.credentials,
    region: endpoint.region,
    ...extra,
  });
}

const offer = (from: string) =>
  base64Json({ type: "offer", sdp: `v=0\r\no=${from} 1 1 IN IP4 0.0.0.0\r\n` });
const answer = (to: string) => base64Json({ type: "answer", sdp: `v=0\r\no=answer-${to}\r\n` });
const candidate = (n: number) =>
  base64Json({
    candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${5000 + n} typ host`,
    sdpMid: "0",
    sdpMLineIndex: 0,
  });

describe("local endpoint signaling WebSocket", () => {
  let endpoint: LocalEndpoint;
  const sockets: TestSignalingSocket[] = [];
  const open = async (url: string) => {
    const socket = await TestSignalingSocket.open(url);
    sockets.push(socket);
    return socket;
  };
  before(async () => {
    endpoint = await startLocalEndpoint({ hostname: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await endpoint?.stop();
  });

  test("one master and 10 viewers exchange offers, answers and candidates; the 11th is refused", async () => {
    const arn = await createChannel(endpoint, "ws-ten");
    const master = await open(await signalingUrl(endpoint, arn));
    const viewers = [];
    for (let i = 0; i < 10; i++) {
      viewers.push(await open(await signalingUrl(endpoint, arn, `viewer-${i}`)));
    }

    for (const [i, viewer] of viewers.entries()) {
      // Viewer 3 writes the keys the way the KVS C SDK does: capitalised, with an empty recipient.
      viewer.send(
        i === 3
          ? {
            action: "SDP_OFFER",
            RecipientClientId: "",
            MessagePayload: offer(`viewer-${i}`),
            CorrelationId: "c3",
          }
          : { action: "SDP_OFFER", messagePayload: offer(`viewer-${i}`) },
      );
      viewer.send({ action: "ICE_CANDIDATE", messagePayload: candidate(i) });
    }
    for (let i = 0; i < 10; i++) {
      const id = `viewer-${i}`;
      const got = await master.next((e) =>
        e.messageType === "SDP_OFFER" && e.senderClientId === id
      );
      assert.match(fromBase64Json(got.messagePayload!).sdp, new RegExp(`o=${id} `));
      const ice = await master.next((e) =>
        e.messageType === "ICE_CANDIDATE" && e.senderClientId === id
      );
      assert.match(
        fromBase64Json(ice.messagePayload!).candidate,
        new RegExp(` ${5000 + i} typ host`),
      );
      master.send({ action: "SDP_ANSWER", recipientClientId: id, messagePayload: answer(id) });
      master.send({
        action: "ICE_CANDIDATE",
        recipientClientId: id,
        messagePayload: candidate(100 + i),
      });
    }
    for (const [i, viewer] of viewers.entries()) {
      const got = await viewer.next((e) => e.messageType === "SDP_ANSWER");
      assert.equal(got.senderClientId, undefined, "master -> viewer messages name no sender");
      assert.equal(fromBase64Json(got.messagePayload!).sdp, `v=0\r\no=answer-viewer-${i}\r\n`);
      const ice = await viewer.next((e) => e.messageType === "ICE_CANDIDATE");
      assert.match(
        fromBase64Json(ice.messagePayload!).candidate,
        new RegExp(` ${5100 + i} typ host`),
      );
    }

    const eleventh = await signalingUrl(endpoint, arn, "viewer-10");
    await assert.rejects(TestSignalingSocket.open(eleventh), /was refused/);
    const refusal = await rawUpgrade(eleventh.replace("ws:", "http:"));
    assert.equal(refusal.status, 400);
    assert.equal(refusal.headers.get("x-amzn-errortype"), "ClientLimitExceededException");
    assert.match(JSON.parse(refusal.body).Message, /maximum number of viewers \(10\)/);

    // A viewer reconnecting with its client id replaces its old connection, and is not an 11th.
    const again = await open(await signalingUrl(endpoint, arn, "viewer-0"));
    assert.equal((await viewers[0].closed).code, supersededCloseCode);
    again.send({ action: "SDP_OFFER", messagePayload: offer("viewer-0") });
    await master.next((e) => e.messageType === "SDP_OFFER" && e.senderClientId === "viewer-0");
    assert.equal(
      master.events.length + viewers.slice(1).reduce((n, v) => n + v.events.length, 0),
      0,
    );
  });

  test("a second master takes precedence: the first is closed, the new one gets the offers", async () => {
    const arn = await createChannel(endpoint, "ws-masters");
    const first = await open(await signalingUrl(endpoint, arn));
    const viewer = await open(await signalingUrl(endpoint, arn, "v"));
    const second = await open(await signalingUrl(endpoint, arn));
    const closed = await first.closed;
    assert.equal(closed.code, supersededCloseCode);
    assert.equal(closed.reason, "A new master connected");
    viewer.send({ action: "SDP_OFFER", messagePayload: offer("v") });
    const got = await second.next((e) => e.messageType === "SDP_OFFER");
    assert.equal(got.senderClientId, "v");
  });

  test("1,000 malformed messages are answered or dropped and the relay still works", async () => {
    const arn = await createChannel(endpoint, "ws-malformed");
    const master = await open(await signalingUrl(endpoint, arn));
    const attacker = await open(await signalingUrl(endpoint, arn, "attacker"));
    const bystander = await open(await signalingUrl(endpoint, arn, "bystander"));
    const huge = "A".repeat(200_000);
    const kinds = [
      (i: number) => `{not json ${i}`,
      (i: number) => ({
        action: "SDP_OFFER",
        messagePayload: "%%%not base64%%%",
        correlationId: `b${i}`,
      }),
      (i: number) => ({ action: "DANCE", messagePayload: offer("x"), correlationId: `u${i}` }),
      (i: number) => ({ action: "SDP_OFFER", correlationId: `m${i}` }),
      (i: number) => ({
        action: "SDP_OFFER",
        messagePayload: "QUFB".repeat(3000),
        correlationId: `l${i}`,
      }),
      () => `[1,2,3]`,
      () => `null`,
      () => JSON.stringify({ action: "SDP_OFFER", messagePayload: huge }),
      (i: number) => ({ ACTION: 7, correlationId: `n${i}` }),
      () => new Uint8Array([1, 2, 3]),
    ];
    let answered = 0;
    for (let i = 0; i < 1000; i++) {
      const message = kinds[i % kinds.length](i);
      if (message instanceof Uint8Array) attacker.ws.send(message);
      else attacker.send(message);
      if (typeof message === "object" && "correlationId" in message) answered++;
    }
    // Each malformed message with a correlationId gets a STATUS_RESPONSE naming it.
    for (let i = 0; i < answered; i++) {
      const status = await attacker.next((e) => e.messageType === "STATUS_RESPONSE");
      assert.equal(status.statusResponse?.success, false);
      assert.equal(status.statusResponse?.statusCode, "400");
      assert.equal(status.statusResponse?.errorType, "InvalidArgumentException");
    }
    assert.equal(master.events.length, 0, "nothing malformed reached the master");
    bystander.send({ action: "SDP_OFFER", messagePayload: offer("bystander") });
    assert.equal(
      (await master.next((e) => e.messageType === "SDP_OFFER")).senderClientId,
      "bystander",
    );
    attacker.send({ action: "SDP_OFFER", messagePayload: offer("attacker") });
    assert.equal(
      (await master.next((e) => e.messageType === "SDP_OFFER")).senderClientId,
      "attacker",
    );
    master.send({
      action: "SDP_ANSWER",
      recipientClientId: "bystander",
      messagePayload: answer("b"),
    });
    await bystander.next((e) => e.messageType === "SDP_ANSWER");
  });

  test("a master message without recipient gets a STATUS_RESPONSE; an offer waits for a late master", async () => {
    const arn = await createChannel(endpoint, "ws-status");
    const viewer = await open(await signalingUrl(endpoint, arn, "early"));
    viewer.send({ action: "SDP_OFFER", messagePayload: offer("early") });
    const master = await open(await signalingUrl(endpoint, arn));
    const waited = await master.next((e) => e.messageType === "SDP_OFFER");
    assert.equal(waited.senderClientId, "early");
    master.send({
      action: "SDP_ANSWER",
      messagePayload: answer("x"),
      correlationId: "no-recipient",
    });
    const status = await master.next((e) => e.messageType === "STATUS_RESPONSE");
    assert.equal(status.statusResponse?.correlationId, "no-recipient");
    assert.match(status.statusResponse!.description, /needs a recipientClientId/);
  });

  test("bad handshakes get the HTTP status a client can report", async () => {
    const arn = await createChannel(endpoint, "ws-refused");
    const expired = await signalingUrl(endpoint, arn, "v", {
      signingDate: new Date(Date.now() - 600_000),
      expiresIn: 299,
    });
    const old = await rawUpgrade(expired.replace("ws:", "http:"));
    assert.equal(old.status, 403);
    assert.equal(old.headers.get("x-amzn-errortype"), "InvalidSignatureException");
    assert.match(
      JSON.parse(old.body).message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than/,
    );

    const tampered = (await signalingUrl(endpoint, arn, "v")).replace(
      "X-Amz-ClientId=v",
      "X-Amz-ClientId=w",
    );
    assert.equal((await rawUpgrade(tampered.replace("ws:", "http:"))).status, 403);

    const unknown = await signalingUrl(endpoint, arn.replace("ws-refused", "ws-nothing"), "v");
    const notFound = await rawUpgrade(unknown.replace("ws:", "http:"));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.headers.get("x-amzn-errortype"), "ResourceNotFoundException");

    const reserved = await rawUpgrade(
      (await signalingUrl(endpoint, arn, "AWS_x")).replace("ws:", "http:"),
    );
    assert.equal(reserved.status, 400);
    await assert.rejects(TestSignalingSocket.open(expired), /was refused/);
  });

  test("deleting a channel disconnects its clients", async () => {
    const arn = await createChannel(endpoint, "ws-deleted");
    const master = await open(await signalingUrl(endpoint, arn));
    const kvs = new KinesisVideoClient({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
    });
    await kvs.send(new DeleteSignalingChannelCommand({ ChannelARN: arn }));
    await master.next((e) => e.messageType === "GO_AWAY");
    assert.equal((await master.closed).code, 1001);
  });
});

describe("signaling connection lifetime", () => {
  test("GO_AWAY at the idle timeout and at the maximum duration, then the socket closes", async () => {
    const endpoint = await startLocalEndpoint({
      limits: { idleTimeoutMs: 300, maxConnectionMs: 60_000, goAwayGraceMs: 100 },
    });
    try {
      const arn = await createChannel(endpoint, "idle");
      const idle = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
      const started = Date.now();
      await idle.next((e) => e.messageType === "GO_AWAY", 3000);
      assert.ok(Date.now() - started >= 250, "not before the idle timeout");
      assert.equal((await idle.closed).code, 1001);
    } finally {
      await endpoint.stop();
    }
    const short = await startLocalEndpoint({
      limits: { maxConnectionMs: 400, goAwayGraceMs: 100 },
    });
    try {
      const arn = await createChannel(short, "short");
      const busy = await TestSignalingSocket.open(await signalingUrl(short, arn, "busy"));
      // Activity does not extend the maximum duration.
      const chatter = setInterval(
        () => busy.send({ action: "ICE_CANDIDATE", messagePayload: candidate(1) }),
        50,
      );
      await busy.next((e) => e.messageType === "GO_AWAY", 3000);
      clearInterval(chatter);
      assert.equal((await busy.closed).code, 1001);
    } finally {
      await short.stop();
    }
  });

  test("stop() sends GO_AWAY to every client before closing", async () => {
    const endpoint = await startLocalEndpoint();
    const arn = await createChannel(endpoint, "stopping");
    const master = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
    const viewer = await TestSignalingSocket.open(await signalingUrl(endpoint, arn, "v"));
    await endpoint.stop();
    for (const socket of [master, viewer]) {
      assert.equal(socket.events.filter((e) => e.messageType === "GO_AWAY").length, 1);
      assert.equal((await socket.closed).code, 1001);
    }
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("local endpoint signaling bounds", () => {
  /** Runs `body` against an endpoint of its own, collecting the warnings it reports. */
  async function withEndpoint(
    options: LocalEndpointOptions,
    body: (endpoint: LocalEndpoint, warnings: string[]) => Promise<void>,
  ) {
    const warnings: string[] = [];
    const endpoint = await startLocalEndpoint({ ...options, onWarning: (l) => warnings.push(l) });
    try {
      await body(endpoint, warnings);
    } finally {
      await endpoint.stop({ graceMs: 10 });
    }
  }

  test("a payload over 10 KB gets a STATUS_RESPONSE; a message over the size bound closes the socket with 1009", async () => {
    await withEndpoint({}, async (endpoint) => {
      const arn = await createChannel(endpoint, "big");
      const master = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
      const viewer = await TestSignalingSocket.open(await signalingUrl(endpoint, arn, "big"));
      viewer.send({ action: "SDP_OFFER", messagePayload: "QUFB".repeat(3000), correlationId: "l" });
      const status = await viewer.next((e) => e.messageType === "STATUS_RESPONSE");
      assert.equal(status.statusResponse?.errorType, "InvalidArgumentException");
      assert.match(status.statusResponse!.description, /at most 10240 are allowed/);
      viewer.send("A".repeat(awsRelayLimits.maxMessageBytes + 1));
      const closed = await within(viewer.closed, 5000, "the close after an over-size message");
      assert.equal(closed.code, 1009);
      assert.equal(master.events.length, 0);
      await master.close();
    });
  });

  test("ICE candidates past 20 per second are refused with ClientLimitExceededException", async () => {
    await withEndpoint({ limits: { messageBurstSeconds: 1 } }, async (endpoint) => {
      const arn = await createChannel(endpoint, "rate");
      const master = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
      const viewer = await TestSignalingSocket.open(await signalingUrl(endpoint, arn, "fast"));
      const sent = 60;
      for (let i = 0; i < sent; i++) {
        viewer.send({
          action: "ICE_CANDIDATE",
          messagePayload: candidate(i),
          correlationId: `c${i}`,
        });
      }
      const throttled = await viewer.next((e) => e.messageType === "STATUS_RESPONSE");
      assert.equal(throttled.statusResponse?.errorType, "ClientLimitExceededException");
      assert.match(
        throttled.statusResponse!.description,
        /More than 20 ICE_CANDIDATE messages per second/,
      );
      const deadline = Date.now() + 5000;
      while (master.events.length + viewer.events.length + 1 < sent && Date.now() < deadline) {
        await sleep(20);
      }
      assert.equal(
        master.events.length + viewer.events.length + 1,
        sent,
        "each relayed or refused",
      );
      assert.ok(master.events.length < 30, `${master.events.length} relayed at once`);
      await sleep(1100);
      master.events.length = 0;
      viewer.send({ action: "ICE_CANDIDATE", messagePayload: candidate(99) });
      await master.next((e) => e.messageType === "ICE_CANDIDATE");
      await Promise.all([master.close(), viewer.close()]);
    });
  });

  test("past the endpoint's bound on connections an upgrade is refused, with a warning", async () => {
    await withEndpoint({ limits: { maxConnections: 3 } }, async (endpoint, warnings) => {
      const arn = await createChannel(endpoint, "crowd");
      const master = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
      const viewers = [
        await TestSignalingSocket.open(await signalingUrl(endpoint, arn, "a")),
        await TestSignalingSocket.open(await signalingUrl(endpoint, arn, "b")),
      ];
      const url = await signalingUrl(endpoint, arn, "c");
      const refusal = await rawUpgrade(url.replace("ws:", "http:"));
      assert.equal(refusal.status, 400);
      assert.equal(refusal.headers.get("x-amzn-errortype"), "ClientLimitExceededException");
      assert.match(
        JSON.parse(refusal.body).Message,
        /3 signaling connections are open or upgrading \(bound 3\)/,
      );
      assert.deepEqual(warnings, [
        `local endpoint: refused a signaling connection to ${arn}: ` +
        "3 signaling connections are open or upgrading (bound 3)",
      ]);
      await viewers[1].close();
      let admitted: TestSignalingSocket | undefined;
      for (let i = 0; !admitted && i < 50; i++) {
        admitted = await TestSignalingSocket.open(url).catch(() => sleep(50).then(() => undefined));
      }
      assert.ok(admitted, "a freed slot is taken again");
      await Promise.all([master.close(), viewers[0].close(), admitted.close()]);
    });
  });

  test("a master that never reads is cut off past its bound of unread bytes, and named", async () => {
    const maxUnsentBytes = 262_144;
    const limits = {
      maxUnsentBytes,
      // What waits for the next master is sent to it at once: it must fit in the bound.
      maxPendingPerClient: 10,
      messagesPerSecond: { SDP_OFFER: 5, SDP_ANSWER: 5, ICE_CANDIDATE: 1_000_000 },
    };
    await withEndpoint({ limits }, async (endpoint, warnings) => {
      const arn = await createChannel(endpoint, "deaf");
      const deaf = await rawUpgrade(
        (await signalingUrl(endpoint, arn)).replace("ws:", "http:"),
        { stopReading: true },
      );
      assert.equal(deaf.status, 101);
      const viewers = await Promise.all(
        ["x", "y", "z"].map(async (id) =>
          TestSignalingSocket.open(await signalingUrl(endpoint, arn, id))
        ),
      );
      const payload = "QUFB".repeat(2500);
      const cutOff = () => warnings.find((w) => w.includes("closing the master"));
      // Kernel buffers on loopback take megabytes before the endpoint's own buffer grows.
      for (let relayed = 0; !cutOff() && relayed < 200_000_000; relayed += 60 * payload.length) {
        for (const viewer of viewers) {
          // The flood must wait in the endpoint, not in the viewer's own send queue: what queues
          // there would reach the next master ahead of the offer below.
          if (viewer.ws.bufferedAmount > 4 * 60 * payload.length) continue;
          for (let i = 0; i < 20; i++) {
            viewer.send({ action: "ICE_CANDIDATE", messagePayload: payload });
          }
        }
        await sleep(5);
      }
      assert.match(
        cutOff() ?? "no warning",
        new RegExp(
          `closing the master of ${arn}: it has not read \\d+ bytes \\(bound ${maxUnsentBytes}\\)`,
        ),
      );
      deaf.socket.destroy();
      // A refusal comes back once the endpoint has taken all the flood before it, so the next
      // master gets only what waits for it (within its own bound), not the flood's tail.
      await Promise.all(viewers.map(async (viewer) => {
        viewer.send({ action: "DANCE", messagePayload: "x", correlationId: "drained" });
        await viewer.next((e) => e.statusResponse?.correlationId === "drained", 30_000);
      }));
      const master = await TestSignalingSocket.open(await signalingUrl(endpoint, arn));
      viewers[0].send({ action: "SDP_OFFER", messagePayload: offer("x") });
      await master.next((e) => e.messageType === "SDP_OFFER" && e.senderClientId === "x");
      await Promise.all([master, ...viewers].map((s) => s.close()));
    });
  });
});
