/**
 * A viewer's retransmit buffer: what each recently sent RTP packet was, as a descriptor (the
 * frame's ring index, which payload plan, sequence number, timestamp), never a copy of the
 * packet. A NACK finds the descriptor and the packet is written again from the frame's bytes,
 * if the ring still holds the frame: the retransmit window is the ring's, and a descriptor
 * never keeps a frame alive. Descriptors live in parallel typed arrays (about 18 bytes per
 * slot, no object per packet), so a viewer costs little JS heap. Fixed capacity: the newest
 * `capacity` packets; older ones are overwritten.
 */

export interface PacketDescriptor {
  /** The frame's index in its ring (RingFrame.index). */
  frameIndex: number;
  plan: number;
  sequenceNumber: number;
  timestamp: number;
}

export class RetransmitBuffer {
  /** Sequence number held in each slot; -1 when empty. */
  readonly #sequenceNumbers: Int32Array;
  readonly #frameIndexes: Float64Array;
  readonly #plans: Uint16Array;
  readonly #timestamps: Uint32Array;
  readonly #mask: number;

  /** `capacity` is rounded up to a power of two (at most 32768, half the sequence space). */
  constructor(capacity = 1024) {
    let size = 1;
    while (size < Math.min(capacity, 0x8000)) size <<= 1;
    this.#sequenceNumbers = new Int32Array(size).fill(-1);
    this.#frameIndexes = new Float64Array(size);
    this.#plans = new Uint16Array(size);
    this.#timestamps = new Uint32Array(size);
    this.#mask = size - 1;
  }

  get capacity(): number {
    return this.#sequenceNumbers.length;
  }

  /** Packets held (for leak checks). */
  get size(): number {
    return this.#sequenceNumbers.reduce((n, seq) => n + (seq === -1 ? 0 : 1), 0);
  }

  record(sequenceNumber: number, frameIndex: number, plan: number, timestamp: number): void {
    const slot = sequenceNumber & this.#mask;
    this.#sequenceNumbers[slot] = sequenceNumber;
    this.#frameIndexes[slot] = frameIndex;
    this.#plans[slot] = plan;
    this.#timestamps[slot] = timestamp;
  }

  /** The packet sent with this sequence number, if still held. */
  find(sequenceNumber: number): PacketDescriptor | undefined {
    const slot = sequenceNumber & this.#mask;
    if (this.#sequenceNumbers[slot] !== sequenceNumber) return undefined;
    return {
      frameIndex: this.#frameIndexes[slot],
      plan: this.#plans[slot],
      sequenceNumber,
      timestamp: this.#timestamps[slot],
    };
  }

  clear(): void {
    this.#sequenceNumbers.fill(-1);
  }
}
