/**
 * The relay's storage peer: routed without client ids both ways, outside the viewers' count; and
 * the storage session's peer for a viewer that joined it, which that viewer then talks to.
 */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { awsRelayLimits, SignalingRelay } from "../../core/local-endpoint/signaling-relay.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";

interface Event {
  messageType: string;
  senderClientId?: string;
  statusResponse?: { description: string };
}

class FakeSocket {
  readonly sent: Event[] = [];
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  bufferedAmount() {
    return 0;
  }
  close() {}
}

const channel = {
  arn: "arn:aws:kinesisvideo:us-west-2:111122223333:channel/c/1",
  messageTtlSeconds: 60,
};
const message = (action: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ action, messagePayload: btoa('{"type":"offer","sdp":"v=0"}'), ...extra });

describe("signaling relay: the storage peer", () => {
  let relay: SignalingRelay;
  const connect = (role: "MASTER" | "VIEWER" | "STORAGE" | "FORWARD", clientId?: string) => {
    const socket = new FakeSocket();
    const connection = relay.admit(channel, role, clientId);
    connection.open(socket);
    return { socket, connection };
  };
  afterEach(() => relay.shutdown(0));

  test("its offer reaches the master with no senderClientId; recipient-less answers reach it", () => {
    relay = new SignalingRelay();
    const master = connect("MASTER");
    const storage = connect("STORAGE");
    const viewer = connect("VIEWER", "v1");
    storage.connection.receive(message("SDP_OFFER"));
    assert.equal(master.socket.sent.length, 1);
    assert.equal(master.socket.sent[0].messageType, "SDP_OFFER");
    assert.equal("senderClientId" in master.socket.sent[0], false);
    master.connection.receive(message("SDP_ANSWER", { correlationId: "storage-1" }));
    assert.deepEqual(storage.socket.sent.map((e) => e.messageType), ["SDP_ANSWER"]);
    assert.equal(viewer.socket.sent.length, 0, "the viewer gets none of it");
    assert.equal(relay.hasMaster(channel.arn), true);
  });

  test("it is not a viewer: a channel full of viewers still takes it, and it them", () => {
    relay = new SignalingRelay({ ...awsRelayLimits, maxViewers: 2 });
    connect("MASTER");
    connect("STORAGE");
    connect("VIEWER", "a");
    connect("VIEWER", "b");
    assert.throws(() => connect("VIEWER", "c"), ServiceError);
  });

  test("a viewer that joined the session talks to its forwarding peer, not the master", () => {
    relay = new SignalingRelay({ ...awsRelayLimits, maxViewers: 1 });
    const master = connect("MASTER");
    const viewer = connect("VIEWER", "v1");
    const forward = connect("FORWARD", "v1");
    forward.connection.receive(message("SDP_OFFER"));
    assert.deepEqual(viewer.socket.sent.map((e) => e.messageType), ["SDP_OFFER"]);
    assert.equal("senderClientId" in viewer.socket.sent[0], false, "no sender: the media server");
    viewer.connection.receive(message("SDP_ANSWER"));
    viewer.connection.receive(message("ICE_CANDIDATE"));
    assert.deepEqual(forward.socket.sent.map((e) => e.messageType), [
      "SDP_ANSWER",
      "ICE_CANDIDATE",
    ]);
    assert.equal(master.socket.sent.length, 0, "the master hears none of it");
    assert.equal(relay.hasViewer(channel.arn, "v1"), true);
    forward.connection.close();
    viewer.connection.receive(message("SDP_OFFER"));
    assert.equal(master.socket.sent[0].senderClientId, "v1", "without it, to the master again");
  });

  test("a message the storage peer screens out is refused to its sender, not delivered", () => {
    relay = new SignalingRelay();
    const master = connect("MASTER");
    const storage = connect("STORAGE");
    storage.connection.screen = (m) => m.action === "SDP_ANSWER" ? "no H.264" : undefined;
    master.connection.receive(message("SDP_ANSWER", { correlationId: "storage-2" }));
    master.connection.receive(message("ICE_CANDIDATE"));
    assert.deepEqual(storage.socket.sent.map((e) => e.messageType), ["ICE_CANDIDATE"]);
    assert.equal(master.socket.sent[0].messageType, "STATUS_RESPONSE");
    assert.equal(master.socket.sent[0].statusResponse!.description, "no H.264");
  });

  test("with no storage peer a recipient-less master message is refused, not held for one", () => {
    relay = new SignalingRelay();
    const master = connect("MASTER");
    const storage = connect("STORAGE");
    storage.connection.close();
    master.connection.receive(message("SDP_ANSWER", { correlationId: "late" }));
    assert.match(master.socket.sent[0].statusResponse!.description, /no storage session is open/);
    const next = connect("STORAGE");
    assert.equal(next.socket.sent.length, 0);
  });
});
