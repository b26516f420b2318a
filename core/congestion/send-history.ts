/**
 * What the sender remembers of each recent packet, by transport-wide sequence number: when it
 * was sent and how big it was, in typed arrays indexed by the number's low bits, so recording
 * a packet allocates nothing. A slot is overwritten `sendHistoryCapacity` packets later.
 */

/** Packets remembered: at 5000 packets/s (about 50 Mbit/s), feedback up to 800 ms late. */
export const sendHistoryCapacity = 4096; // a power of two: the slot is the number's low bits

const empty = 0;
const sent = 1;
const reportedLost = 2;

export class SendHistory {
  readonly #sentAtMs = new Float64Array(sendHistoryCapacity);
  readonly #sizeBytes = new Uint16Array(sendHistoryCapacity);
  /** The 16-bit sequence number a slot holds, so a stale slot is not taken for a new one. */
  readonly #sequence = new Uint16Array(sendHistoryCapacity);
  readonly #state = new Uint8Array(sendHistoryCapacity);
  /** The probe cluster (probe-clusters.ts) a packet belongs to; -1 for none. */
  readonly #probeCluster = new Int32Array(sendHistoryCapacity);

  record(sequenceNumber: number, sizeBytes: number, nowMs: number, probeCluster: number): void {
    const slot = sequenceNumber & (sendHistoryCapacity - 1);
    this.#sentAtMs[slot] = nowMs;
    this.#probeCluster[slot] = probeCluster;
    this.#sizeBytes[slot] = sizeBytes;
    this.#sequence[slot] = sequenceNumber;
    this.#state[slot] = sent;
  }

  /** The slot holding a sent, not yet acknowledged packet; -1 when none does. */
  find(sequenceNumber: number): number {
    const slot = sequenceNumber & (sendHistoryCapacity - 1);
    return this.#state[slot] !== empty && this.#sequence[slot] === (sequenceNumber & 0xffff)
      ? slot
      : -1;
  }

  sentAtMs(slot: number): number {
    return this.#sentAtMs[slot];
  }

  sizeBytes(slot: number): number {
    return this.#sizeBytes[slot];
  }

  probeCluster(slot: number): number {
    return this.#probeCluster[slot];
  }

  /** Marks a packet reported lost; true the first time, so a loss is counted once. */
  markLost(slot: number): boolean {
    if (this.#state[slot] !== sent) return false;
    this.#state[slot] = reportedLost;
    return true;
  }

  /** Forgets an acknowledged packet, so a repeated report of it counts nothing. */
  forget(slot: number): void {
    this.#state[slot] = empty;
  }
}
