/**
 * STUN messages as the local STUN server and the client read them: parse (undefined for
 * anything that is not STUN), XOR-MAPPED-ADDRESS and FINGERPRINT. None of them throws.
 */
import {
  buildBindingRequest,
  buildBindingSuccess,
  hasValidFingerprint,
  parseStunMessage,
  xorMappedAddress,
} from "../../../core/stun/message.ts";
import { mutatedSeed } from "../mutate.ts";
import { type FuzzTarget, nothingThrown, showBytes } from "../target.ts";

const transactionId = new Uint8Array(12).map((_, i) => i * 17);
const seeds = [
  buildBindingRequest(transactionId),
  buildBindingSuccess(transactionId, { family: "IPv4", address: "192.0.2.1", port: 32853 }),
  buildBindingSuccess(transactionId, { family: "IPv6", address: "2001:db8::1", port: 3478 }),
];

export const stunMessage: FuzzTarget<Uint8Array> = {
  name: "stun-message",
  input: (rng) => mutatedSeed(seeds, rng),
  run(bytes) {
    hasValidFingerprint(bytes);
    const message = parseStunMessage(bytes);
    if (message) xorMappedAddress(message);
  },
  deliberate: nothingThrown,
  show: showBytes,
};
