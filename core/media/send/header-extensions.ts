/**
 * The header-extension stage: the RFC 8285 block each RTP packet carries after its fixed
 * header. With transport-cc negotiated it holds the peer connection's next transport-wide
 * sequence number, written by the packet writer's call to `write` for every packet
 * (retransmissions included, as each needs its own transport-wide number), and recorded when
 * the transport took the packet (so one it refused spends no number); without, it is empty
 * (size 0, nothing written). A keyframe's first transmission is a probe cluster (see
 * probe-clusters.ts), named by its ring index. Recording here, not in a stage of the chain,
 * keeps the chain's per-packet call site to the stages it had (see TrackSender).
 */
import type { PeerCongestion } from "../../congestion/peer-congestion.ts";
import {
  transportWideSequenceBlockSize,
  writeTransportWideSequence,
} from "../../rtp/transport-wide-sequence.ts";
import type { OutgoingPacket } from "./stage.ts";

/** transport-cc on one track: the negotiated extension id, and its connection's numbering. */
export interface TrackTransportCc {
  extensionId: number;
  congestion: PeerCongestion;
}

export class HeaderExtensions {
  /** Bytes of the extension block (its 4-byte header included), a multiple of 4; 0 for none. */
  readonly size: number;
  readonly #transportCc?: TrackTransportCc;

  constructor(transportCc?: TrackTransportCc) {
    this.#transportCc = transportCc;
    this.size = transportCc ? transportWideSequenceBlockSize : 0;
  }

  /** Writes the block at `out[offset]`, `size` bytes, for this packet. */
  write(out: Uint8Array, offset: number, _packet: OutgoingPacket): void {
    const twcc = this.#transportCc;
    if (twcc) {
      writeTransportWideSequence(out, offset, twcc.extensionId, twcc.congestion.sequenceNumber);
    }
  }

  /** The transport took the packet, `length` bytes on the wire. */
  sent(packet: OutgoingPacket, length: number): void {
    const twcc = this.#transportCc;
    if (!twcc) return;
    const { frame } = packet;
    const cluster = frame.keyframe && !packet.retransmission ? frame.index & 0x7fffffff : -1;
    twcc.congestion.sent(length, cluster);
  }
}
