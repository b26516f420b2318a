/**
 * A viewer's retransmit buffer: what each recently sent RTP packet was, as a descriptor (the
 * frame's ring index, which payload plan, sequence number, timestamp), never a copy of the
 * packet. A NACK finds the descriptor and the packet is written again from the frame's bytes,
 * if the ring still holds the frame: the retransmit window is the ring's, and a descriptor
 * never keeps a frame alive. Descriptors live in parallel typed arrays (18 bytes per slot, no
 * object per packet), so a viewer costs little JS heap.
 *
 * The buffer follows the ring: it starts small and doubles whenever a new packet would
 * overwrite one whose frame the ring still holds, so a higher bitrate never shortens the window
 * NACK can repair, and a low-rate track (Opus) keeps only a few hundred slots.
 */

export interface PacketDescriptor {
  /** The frame's index in its ring (RingFrame.index). */
  frameIndex: number;
  plan: number;
  sequenceNumber: number;
  timestamp: number;
}

/** Half the sequence-number space: beyond that a NACK could not name a packet unambiguously. */
const maxCapacity = 0x8000;

export class RetransmitBuffer {
  /** Sequence number held in each slot; -1 when empty. */
  #sequenceNumbers!: Int32Array;
  #frameIndexes!: Float64Array;
  #plans!: Uint16Array;
  #timestamps!: Uint32Array;
  #mask = 0;

  /** `capacity` (the starting one) is rounded up to a power of two, at most 32768. */
  constructor(capacity = 256) {
    let size = 1;
    while (size < Math.min(capacity, maxCapacity)) size <<= 1;
    this.#allocate(size);
  }

  get capacity(): number {
    return this.#sequenceNumbers.length;
  }

  /** Packets held (for leak checks). */
  get size(): number {
    return this.#sequenceNumbers.reduce((n, seq) => n + (seq === -1 ? 0 : 1), 0);
  }

  /**
   * Records a sent packet. `oldestHeldFrame` is the ring's oldest frame index: a descriptor of
   * that frame or a newer one can still be resent, so it is not overwritten; the buffer grows.
   */
  record(
    sequenceNumber: number,
    frameIndex: number,
    plan: number,
    timestamp: number,
    oldestHeldFrame = Infinity,
  ): void {
    let slot = sequenceNumber & this.#mask;
    const held = this.#sequenceNumbers[slot];
    if (
      held !== -1 && held !== sequenceNumber && this.#frameIndexes[slot] >= oldestHeldFrame &&
      this.capacity < maxCapacity
    ) {
      this.#grow();
      slot = sequenceNumber & this.#mask;
    }
    this.#sequenceNumbers[slot] = sequenceNumber;
    this.#frameIndexes[slot] = frameIndex;
    this.#plans[slot] = plan;
    this.#timestamps[slot] = timestamp;
  }

  /** Whether the packet sent with this sequence number is still held (find without an object). */
  holds(sequenceNumber: number): boolean {
    return this.#sequenceNumbers[sequenceNumber & this.#mask] === sequenceNumber;
  }

  /** The packet sent with this sequence number, if still held. */
  find(sequenceNumber: number): PacketDescriptor | undefined {
    if (!this.holds(sequenceNumber)) return undefined;
    const slot = sequenceNumber & this.#mask;
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

  #allocate(size: number) {
    this.#sequenceNumbers = new Int32Array(size).fill(-1);
    this.#frameIndexes = new Float64Array(size);
    this.#plans = new Uint16Array(size);
    this.#timestamps = new Uint32Array(size);
    this.#mask = size - 1;
  }

  #grow() {
    const [seqs, frames, plans, timestamps] = [
      this.#sequenceNumbers,
      this.#frameIndexes,
      this.#plans,
      this.#timestamps,
    ];
    this.#allocate(seqs.length * 2);
    for (let i = 0; i < seqs.length; i++) {
      if (seqs[i] === -1) continue;
      const slot = seqs[i] & this.#mask;
      this.#sequenceNumbers[slot] = seqs[i];
      this.#frameIndexes[slot] = frames[i];
      this.#plans[slot] = plans[i];
      this.#timestamps[slot] = timestamps[i];
    }
  }
}
