/** The endpoint's STUN server answers a real Binding request over UDP with the sender's address. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import {
  bindingSuccessType,
  buildBindingRequest,
  hasValidFingerprint,
  parseStunMessage,
  xorMappedAddress,
} from "../../core/stun/message.ts";

test("a Binding request over UDP gets XOR-MAPPED-ADDRESS = the client's own address and port", async () => {
  const endpoint = await startLocalEndpoint();
  const client = createSocket("udp4");
  try {
    const [, host, port] = /^stun:(.+):(\d+)$/.exec(endpoint.stunUrl)!;
    await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
    const ask = (bytes: Uint8Array) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no STUN answer within 2 s")), 2000);
        client.once("message", (reply: Uint8Array) => {
          clearTimeout(timer);
          resolve(new Uint8Array(reply));
        });
        client.send(bytes, Number(port), host);
      });
    // Garbage first: ignored, and the server keeps answering.
    client.send(new TextEncoder().encode("not stun"), Number(port), host);
    for (let i = 0; i < 3; i++) {
      const transactionId = crypto.getRandomValues(new Uint8Array(12));
      const reply = await ask(buildBindingRequest(transactionId));
      const message = parseStunMessage(reply)!;
      assert.equal(message.type, bindingSuccessType);
      assert.deepEqual(message.transactionId, transactionId);
      assert.equal(hasValidFingerprint(reply), true);
      assert.deepEqual(xorMappedAddress(message), {
        family: "IPv4",
        address: "127.0.0.1",
        port: client.address().port,
      });
    }
  } finally {
    client.close();
    await endpoint.stop();
  }
});
