/**
 * Goodbye, BYE (RFC 3550 6.6): a peer says its sources are leaving. A media-only connection has
 * no SCTP to shut down, so this is the one signal that it was closed on purpose; the other side
 * would otherwise only notice the silence.
 */
import { newRtcpPacket, readRtcpHeader, RtcpPacketType } from "./header.ts";
import { splitCompoundRtcp } from "./compound.ts";

/** A BYE for `ssrcs` (at most 31, the count field's limit), with no reason text. */
export function buildBye(ssrcs: readonly number[]): Uint8Array {
  const out = newRtcpPacket(ssrcs.length, RtcpPacketType.bye, 4 + 4 * ssrcs.length);
  const view = new DataView(out.buffer);
  ssrcs.forEach((ssrc, i) => view.setUint32(4 + 4 * i, ssrc));
  return out;
}

/** Whether a (compound) RTCP packet holds a BYE. */
export function holdsBye(compound: Uint8Array): boolean {
  return splitCompoundRtcp(compound).some((p) =>
    readRtcpHeader(p).packetType === RtcpPacketType.bye
  );
}
