/** The relay's bounds, with fake sockets and a fake clock: rates, connections, unread bytes. */
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  awsRelayLimits,
  type RelayLimits,
  SignalingRelay,
} from "../../core/local-endpoint/signaling-relay.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";

class FakeSocket {
  readonly sent: { messageType: string; statusResponse?: { errorType: string } }[] = [];
  buffered = 0;
  closedWith?: number;
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  bufferedAmount() {
    return this.buffered;
  }
  close(code?: number) {
    this.closedWith = code;
  }
}

const channel = {
  arn: "arn:aws:kinesisvideo:us-west-2:111122223333:channel/c/1",
  messageTtlSeconds: 60,
};
const candidate = (n: number, correlationId?: string) =>
  JSON.stringify({
    action: "ICE_CANDIDATE",
    messagePayload: btoa(`{"candidate":"candidate:${n}"}`),
    correlationId,
  });

describe("signaling relay bounds", () => {
  let relay: SignalingRelay;
  let clockMs = 0;
  const warnings: string[] = [];
  const makeRelay = (limits: Partial<RelayLimits>) => {
    relay = new SignalingRelay({ ...awsRelayLimits, ...limits }, () => clockMs);
    relay.onWarning = (line) => warnings.push(line);
    return relay;
  };
  const connect = (role: "MASTER" | "VIEWER", clientId?: string) => {
    const socket = new FakeSocket();
    relay.admit(channel, role, clientId).open(socket);
    return socket;
  };
  afterEach(async () => {
    await relay.shutdown(0);
    warnings.length = 0;
  });

  test("past its rate an ICE candidate is refused with ClientLimitExceededException; the rate refills", () => {
    makeRelay({ messageBurstSeconds: 1 });
    const master = connect("MASTER");
    const viewerSocket = new FakeSocket();
    const viewer = relay.admit(channel, "VIEWER", "v");
    viewer.open(viewerSocket);
    for (let i = 0; i < 25; i++) viewer.receive(candidate(i, `c${i}`));
    assert.equal(master.sent.length, 20, "AWS's 20 per second, one second's worth at once");
    assert.deepEqual(
      viewerSocket.sent.map((e) => e.statusResponse?.errorType),
      Array(5).fill("ClientLimitExceededException"),
    );
    clockMs += 500;
    for (let i = 0; i < 11; i++) viewer.receive(candidate(i));
    assert.equal(master.sent.length, 30, "half a second refills ten");
  });

  test("upgrades that never open are bounded, and so are all connections; a replacement is not new", () => {
    makeRelay({ maxConnections: 4, maxPendingUpgrades: 2 });
    const master = relay.admit(channel, "MASTER");
    const a = relay.admit(channel, "VIEWER", "a");
    assert.throws(
      () => relay.admit(channel, "VIEWER", "b"),
      (e: ServiceError) =>
        e.errorType === "ClientLimitExceededException" &&
        /2 WebSocket upgrades are pending \(bound 2\)/.test(e.message),
    );
    master.open(new FakeSocket());
    a.open(new FakeSocket());
    relay.admit(channel, "VIEWER", "b").open(new FakeSocket());
    relay.admit(channel, "VIEWER", "c").open(new FakeSocket());
    assert.throws(
      () => relay.admit(channel, "VIEWER", "d"),
      /4 signaling connections are open or upgrading \(bound 4\)/,
    );
    relay.admit(channel, "VIEWER", "c").open(new FakeSocket());
    assert.equal(relay.connections().length, 4);
    assert.equal(warnings.length, 2);
    assert.match(warnings[1], new RegExp(`refused a signaling connection to ${channel.arn}: 4 `));
  });

  test("a master that does not read is closed past maxUnsentBytes, with a warning naming it", () => {
    makeRelay({ maxUnsentBytes: 1000 });
    const master = connect("MASTER");
    const viewer = relay.admit(channel, "VIEWER", "v");
    viewer.open(new FakeSocket());
    viewer.receive(candidate(1));
    assert.equal(master.closedWith, undefined);
    master.buffered = 1001;
    viewer.receive(candidate(2));
    assert.equal(master.closedWith, 1008);
    assert.deepEqual(warnings, [
      `local endpoint: closing the master of ${channel.arn}: it has not read 1001 bytes (bound 1000)`,
    ]);
    assert.equal(relay.connections().length, 1, "the master is gone; the viewer stays");
  });

  test("what waits for a socket that has not opened yet counts against the same bound", () => {
    makeRelay({ maxUnsentBytes: 1000 });
    const master = relay.admit(channel, "MASTER");
    master.open(new FakeSocket());
    const late = relay.admit(channel, "VIEWER", "late");
    const message = (n: number) =>
      JSON.stringify({
        action: "ICE_CANDIDATE",
        recipientClientId: "late",
        messagePayload: btoa(`{"candidate":"candidate:${n}"}`.padEnd(90)),
      });
    for (let i = 0; i < 20; i++) master.receive(message(i));
    assert.match(warnings.join("\n"), /closing viewer late of .*: it has not read \d+ bytes/);
    assert.equal(relay.connections().some((c) => c.clientId === "late"), false);
    assert.equal(late.isOpen, false);
  });
});
