/**
 * TEST ONLY: a send function that loses chosen RTP packets, to exercise NACK end to end. It
 * wraps a sender's send function: an RTP packet is dropped (reported as sent, as the network
 * would lose it) when `shouldDrop(sequenceNumber)` says so on its first transmission; a packet
 * whose sequence number is not newer than the newest seen is a retransmission and always
 * passes, and so does RTCP. It reads the header in place and allocates nothing.
 */
import { isRtcp } from "../rtcp/header.ts";
import { seqNewer } from "./sequence-number.ts";

export class LossySend {
  /** RTP packets dropped so far. */
  dropped = 0;
  /** The wrapped send function, bound: hand this to the sender. */
  readonly send: (packet: Uint8Array) => boolean;
  #newest = -1;

  constructor(
    send: (packet: Uint8Array) => boolean,
    shouldDrop: (sequenceNumber: number) => boolean,
  ) {
    this.send = (packet) => {
      if (isRtcp(packet)) return send(packet);
      const seq = (packet[2] << 8) | packet[3];
      if (this.#newest !== -1 && !seqNewer(seq, this.#newest)) return send(packet);
      if (shouldDrop(seq)) {
        this.#newest = seq;
        this.dropped++;
        return true;
      }
      if (!send(packet)) return false;
      this.#newest = seq;
      return true;
    };
  }
}
