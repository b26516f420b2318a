/** Splits a compound RTCP packet (RFC 3550 6.1) into its packets, as views. */
import { readRtcpHeader } from "./header.ts";

export function splitCompoundRtcp(compound: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let at = 0;
  while (at < compound.length) {
    const { size } = readRtcpHeader(compound, at);
    if (at + size > compound.length) {
      throw new Error(
        `RTCP packet at byte ${at} claims ${size} bytes, only ${compound.length - at} left`,
      );
    }
    packets.push(compound.subarray(at, at + size));
    at += size;
  }
  return packets;
}
