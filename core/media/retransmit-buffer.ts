/**
 * A viewer's retransmit buffer: what each recently sent RTP packet was, as a descriptor (the
 * frame by reference, which payload plan, sequence number, timestamp), never a copy of the
 * packet. A NACK finds the descriptor and the packet is written again from the frame's bytes.
 * Fixed capacity: the newest `capacity` packets; older ones are overwritten.
 */
import type { MediaFrame } from "./media-frame.ts";

export interface PacketDescriptor {
  frame: MediaFrame;
  plan: number;
  sequenceNumber: number;
  timestamp: number;
}

export class RetransmitBuffer {
  readonly #slots: (PacketDescriptor | undefined)[];
  readonly #mask: number;

  /** `capacity` is rounded up to a power of two (at most 32768, half the sequence space). */
  constructor(capacity = 1024) {
    let size = 1;
    while (size < Math.min(capacity, 0x8000)) size <<= 1;
    this.#slots = new Array(size);
    this.#mask = size - 1;
  }

  get capacity(): number {
    return this.#slots.length;
  }

  /** Packets held (for leak checks). */
  get size(): number {
    return this.#slots.reduce((n, slot) => n + (slot ? 1 : 0), 0);
  }

  record(descriptor: PacketDescriptor): void {
    this.#slots[descriptor.sequenceNumber & this.#mask] = descriptor;
  }

  /** The packet sent with this sequence number, if still held. */
  find(sequenceNumber: number): PacketDescriptor | undefined {
    const slot = this.#slots[sequenceNumber & this.#mask];
    return slot?.sequenceNumber === sequenceNumber ? slot : undefined;
  }

  clear(): void {
    this.#slots.fill(undefined);
  }
}
