/**
 * TEST ONLY: a lossy wrapper around a send function, for tests of loss repair (this kernel has
 * no netem). It drops the RTP packets `shouldDrop` picks, on their first transmission only: a
 * packet whose sequence number is not newer than the newest seen is a retransmission and goes
 * out, so NACK can repair every loss. RTCP always goes out. It allocates nothing per packet.
 */
import { isRtcp } from "../rtcp/header.ts";
import { seqNewer } from "./sequence-number.ts";

export type SendPacket = (packet: Uint8Array) => boolean;

export interface LossySend {
  send: SendPacket;
  /** Packets dropped so far. */
  readonly dropped: number;
}

export function dropFirstTransmissions(
  send: SendPacket,
  shouldDrop: (sequenceNumber: number) => boolean,
): LossySend {
  let newest = -1;
  let dropped = 0;
  return {
    get dropped() {
      return dropped;
    },
    send(packet) {
      if (packet.length < 12 || isRtcp(packet)) return send(packet);
      const seq = (packet[2] << 8) | packet[3];
      const first = newest === -1 || seqNewer(seq, newest);
      if (first) newest = seq;
      if (first && shouldDrop(seq)) {
        dropped++;
        return true; // "sent": the network lost it
      }
      return send(packet);
    },
  };
}
