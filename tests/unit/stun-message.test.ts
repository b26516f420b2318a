import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bindingRequestType,
  bindingSuccessType,
  buildBindingRequest,
  buildBindingSuccess,
  hasValidFingerprint,
  parseStunMessage,
  xorMappedAddress,
} from "../../core/stun/message.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));

// RFC 5769 §2.2: sample IPv4 Binding response (SOFTWARE, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT).
const rfc5769Response = hex(
  "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220" +
    "002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7" +
    "80280004c07d4c96",
);

describe("STUN Binding messages", () => {
  test("decodes the RFC 5769 IPv4 response: 192.0.2.1:32853, valid fingerprint", () => {
    const message = parseStunMessage(rfc5769Response)!;
    assert.equal(message.type, bindingSuccessType);
    assert.deepEqual(xorMappedAddress(message), {
      family: "IPv4",
      address: "192.0.2.1",
      port: 32853,
    });
    assert.equal(hasValidFingerprint(rfc5769Response), true);
    const corrupted = rfc5769Response.slice();
    corrupted[30] ^= 1;
    assert.equal(hasValidFingerprint(corrupted), false);
  });

  test("a built response round-trips IPv4 and IPv6 addresses with a valid fingerprint", () => {
    const id = crypto.getRandomValues(new Uint8Array(12));
    for (
      const [mapped, expected] of [
        [{ family: "IPv4", address: "127.0.0.1", port: 54321 }, "127.0.0.1"],
        [{ family: "IPv6", address: "::1", port: 1 }, "0:0:0:0:0:0:0:1"],
        [
          { family: "IPv6", address: "2001:db8::ffff:10.0.0.1", port: 3478 },
          "2001:db8:0:0:0:ffff:a00:1",
        ],
      ] as const
    ) {
      const bytes = buildBindingSuccess(id, mapped);
      assert.equal(hasValidFingerprint(bytes), true);
      const message = parseStunMessage(bytes)!;
      assert.deepEqual(message.transactionId, id);
      assert.deepEqual(xorMappedAddress(message), { ...mapped, address: expected });
    }
  });

  test("a request parses back with its transaction id; non-STUN bytes do not parse", () => {
    const id = crypto.getRandomValues(new Uint8Array(12));
    const request = parseStunMessage(buildBindingRequest(id))!;
    assert.equal(request.type, bindingRequestType);
    assert.deepEqual(request.transactionId, id);
    assert.equal(
      parseStunMessage(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n....")),
      undefined,
    );
    assert.equal(parseStunMessage(buildBindingRequest(id).subarray(0, 24)), undefined);
    assert.equal(parseStunMessage(new Uint8Array(3)), undefined);
  });
});
