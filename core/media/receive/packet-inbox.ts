/**
 * Packets that arrived and wait for their turn. A native transport calls back once per packet,
 * from a queue of its own with no bound, and a peer can make those calls come faster than the
 * receive chain handles them: that queue then grows without end and the callbacks leave timers
 * and signals no turn. So a callback only puts its packet here (or drops it, counted, when the
 * inbox is full), which costs next to nothing and keeps the native queue drained, and the
 * adapter hands the receive chain at most `packetsPerTurn` packets per turn of its event loop.
 */

/**
 * Packets waiting at most: at a 50 Mbit/s stream's ~5000 packets a second this is 0.8 s of
 * media, far more than a turn of the event loop ever lags in normal work.
 */
export const maxInboxPackets = 4096;
/**
 * Bytes waiting at most: most of the packet bound at a full MTU (~5 MB); a peer sending bigger
 * packets reaches this bound first.
 */
export const maxInboxBytes = 4 * 1024 * 1024;
/**
 * Packets handled per turn of the event loop: a packet costs the chain a few microseconds, so a
 * turn stays around a millisecond and a timer or a signal waits no longer than that.
 */
export const packetsPerTurn = 256;

export class PacketInbox<T> {
  /** Packets dropped because the inbox was full. */
  dropped = 0;
  readonly #items: (T | undefined)[];
  readonly #sizes: Uint32Array;
  readonly #maxBytes: number;
  #head = 0;
  #length = 0;
  #bytes = 0;

  constructor(maxPackets = maxInboxPackets, maxBytes = maxInboxBytes) {
    this.#items = new Array(maxPackets);
    this.#sizes = new Uint32Array(maxPackets);
    this.#maxBytes = maxBytes;
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a packet of `size` bytes; false (and counted) when that would pass a bound. */
  push(item: T, size: number): boolean {
    if (this.#length === this.#items.length || this.#bytes + size > this.#maxBytes) {
      this.dropped++;
      return false;
    }
    const at = (this.#head + this.#length) % this.#items.length;
    this.#items[at] = item;
    this.#sizes[at] = size;
    this.#length++;
    this.#bytes += size;
    return true;
  }

  /** The oldest packet, taken out; undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#bytes -= this.#sizes[this.#head];
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  clear(): void {
    while (this.#length > 0) this.shift();
  }
}
