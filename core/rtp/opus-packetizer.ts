/**
 * Opus RTP payloads per RFC 7587: one Opus packet is the whole payload, the RTP clock runs at
 * 48 kHz whatever the coded rate, and the marker bit stays clear (it would only flag the first
 * packet after a DTX pause).
 */
import type { PayloadPlan } from "./payload-plan.ts";

export function planOpus(packet: Uint8Array): PayloadPlan {
  return { pieces: [packet], size: packet.length, marker: false };
}
