/**
 * The header-extension stage: the RFC 8285 block each RTP packet carries after its fixed
 * header. Today it carries none (size 0, nothing written); the transport-wide sequence number
 * of transport-cc goes here, written by the packet writer's call to `write` for every packet
 * (retransmissions included, as each needs its own transport-wide number).
 */
import type { OutgoingPacket } from "./stage.ts";

export class HeaderExtensions {
  /** Bytes of the extension block (its 4-byte header included), a multiple of 4; 0 for none. */
  readonly size = 0;

  /** Writes the block at `out[offset]`, `size` bytes, for this packet. */
  write(_out: Uint8Array, _offset: number, _packet: OutgoingPacket): void {}
}
