/**
 * The signaling WebSocket of the local endpoint with real sockets on loopback: one master and ten
 * viewers exchanging offers, answers and candidates, the limits, and bad input that must not
 * disturb anyone else.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
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
