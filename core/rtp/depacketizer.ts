/**
 * RTP depacketizer for a viewer's video track, whatever the codec: takes RTP packets in any
 * order, puts them back in sequence order, cuts them into frames (a marker, or a new
 * timestamp), and has the codec's `RtpPayloadFormat` rebuild each complete frame from its
 * payloads (for H.264: STAP-A and FU-A into Annex-B). It tells which sequence numbers are
 * missing (for NACK) and when the picture cannot be decoded without a new keyframe (for PLI).
 *
 * Everything the network can fill is bounded, and so is the work a packet or a poll can cause:
 * packets live in a ring of `maxBufferedPackets` slots indexed by sequence number, and the
 * sequence numbers between the next frame's start and the newest packet never span more than
 * the ring (older ones are given up as the newest moves on; a jump past the ring starts over),
 * so no loop runs longer than the ring, however far sequence numbers jump. Held payload bytes
 * stay under `maxBufferedBytes`, one access unit under `maxAccessUnitBytes`, and an incomplete
 * frame waits at most `maxWaitMs` for retransmissions.
 */
import type { RtpPacket } from "./header.ts";
import { SequenceUnwrapper } from "./sequence-number.ts";

/**
 * Sequence numbers held at once: 2048 packets of ~1200 bytes are ~2.4 MB, more than a second of
 * a 15 Mbit/s stream, so a frame can wait its `maxWaitMs` for retransmissions at any bitrate a
 * camera sends us, and a scan of the window stays a few microseconds.
 */
export const defaultMaxBufferedPackets = 2048;
/**
 * Payload bytes held at once: room for the window at 1200 bytes a packet with a margin (a
 * hostile peer sends 64 KiB packets: the byte bound then holds first).
 */
export const defaultMaxBufferedBytes = 8 * 1024 * 1024;
/**
 * Bytes of one access unit: the biggest keyframes of a high-quality 4K stream are 1-2 MB; a
 * frame that grows past this without ending is corrupt or hostile and is dropped.
 */
export const defaultMaxAccessUnitBytes = 4 * 1024 * 1024;
/** Room kept below the first packet for packets that overtook earlier ones. */
const startReorderRoom = 64;

export interface DepacketizedFrame {
  /** RTP timestamp (90 kHz). */
  timestamp: number;
  /** The frame as the codec's format gives it (H.264/H.265: Annex-B, each NAL unit after 00 00 00 01). */
  data: Uint8Array;
  keyframe: boolean;
  firstSequenceNumber: number;
  lastSequenceNumber: number;
}

/** A frame rebuilt from its payloads. */
export interface AssembledFrame {
  data: Uint8Array;
  keyframe: boolean;
}

/** What a codec's RTP payload format tells the depacketizer, and how it rebuilds a frame. */
export interface RtpPayloadFormat {
  /**
   * Whether a payload can only be the first of a frame a decoder can start at (a keyframe's
   * opening), told without the packet before it: where to begin after a loss.
   */
  opensKeyframe(payload: Uint8Array): boolean;
  /** Whether a payload carries part of a keyframe (a quick look, no reassembly). */
  holdsKeyframe(payload: Uint8Array): boolean;
  /**
   * One frame's payloads, in sequence order, as the frame's bytes; throws a `PayloadError` for
   * a malformed payload (the frame is then dropped).
   */
  assemble(payloads: readonly Uint8Array[]): AssembledFrame;
}

export interface DepacketizerOptions {
  /** How long an incomplete frame waits for retransmitted packets before it is given up. */
  maxWaitMs?: number;
  /** The reorder window in packets (rounded up to a power of two). */
  maxBufferedPackets?: number;
  maxBufferedBytes?: number;
  maxAccessUnitBytes?: number;
}

export interface DepacketizerStats {
  packets: number;
  /** Arrived after their frame was given out or given up, or twice. */
  latePackets: number;
  duplicatePackets: number;
  accessUnits: number;
  /** Frames that could not be given out: lost packets, malformed payloads, or no keyframe yet. */
  droppedFrames: number;
  /** Of the dropped frames, those that grew past `maxAccessUnitBytes`. */
  oversizedFrames: number;
  /** Packets given up unused: waited too long, fell out of the window, or over the byte bound. */
  discardedPackets: number;
  /** Sequence numbers that jumped past the window: everything held was given up. */
  sequenceJumps: number;
}

/** One ring slot: a packet held (`payload` set) or, once let go, what framed it. */
interface Slot {
  /** Extended sequence number; -1 when the slot never held one. */
  ext: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array | undefined;
  arrivedAt: number;
}

/** `#frameEnd`'s answers when there is no end: not all here yet, or too big to be a frame. */
const incomplete = -1;
const oversized = -2;

/** A malformed payload: the frame that holds it is dropped. */
export class PayloadError extends Error {}

export class RtpDepacketizer {
  /**
   * True from a loss that broke the picture (or from a start without a keyframe) until the
   * next keyframe is given out: the viewer should send PLI (its own rate limit).
   */
  keyframeNeeded = false;
  readonly stats: DepacketizerStats = {
    packets: 0,
    latePackets: 0,
    duplicatePackets: 0,
    accessUnits: 0,
    droppedFrames: 0,
    oversizedFrames: 0,
    discardedPackets: 0,
    sequenceJumps: 0,
  };

  readonly #slots: Slot[];
  /** One bit a slot, set while it holds a packet: walks skip empty slots 32 at a time. */
  readonly #occupied: Uint32Array;
  readonly #mask: number;
  #held = 0;
  #heldBytes = 0;
  #unwrapper = new SequenceUnwrapper();
  #floor = -1; // extended sequence numbers up to here are done with
  #newest = -1;
  #synced = false; // #floor + 1 is the first packet of the next frame
  /**
   * How far `#frameEnd` got with the frame at `start`: the packets from `start` below `next` are
   * held, of its timestamp, without a marker, `bytes` in all. They stay so until the floor passes
   * `start`, so the next look goes on from `next`: each packet is looked at once per frame, not
   * once per arrival (an access unit that never ends would cost the whole window a packet).
   */
  readonly #scan = { start: -1, next: -1, bytes: 0 };
  /** Unsynced: held packets below this were looked at by `#resync` and begin no frame it wants. */
  #resyncFrom = -1;
  #waitingForKeyframe = true;
  readonly #maxWaitMs: number;
  readonly #window: number;
  readonly #maxBytes: number;
  readonly #maxAccessUnitBytes: number;
  readonly #format: RtpPayloadFormat;

  constructor(format: RtpPayloadFormat, options: DepacketizerOptions = {}) {
    this.#format = format;
    this.#maxWaitMs = options.maxWaitMs ?? 1000;
    const packets = Math.max(options.maxBufferedPackets ?? defaultMaxBufferedPackets, 32);
    this.#window = 2 ** Math.ceil(Math.log2(packets));
    this.#mask = this.#window - 1;
    this.#slots = Array.from({ length: this.#window }, () => ({
      ext: -1,
      timestamp: 0,
      marker: false,
      payload: undefined,
      arrivedAt: 0,
    }));
    this.#occupied = new Uint32Array(this.#window / 32);
    this.#maxBytes = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
    this.#maxAccessUnitBytes = options.maxAccessUnitBytes ?? defaultMaxAccessUnitBytes;
  }

  /** Packets held now (never more than the window). */
  get bufferedPackets(): number {
    return this.#held;
  }

  /** Payload bytes held now. */
  get bufferedBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Adds one RTP packet (its payload is kept as a view, not copied) at `now` (monotonic ms)
   * and returns the access units that are now complete, in order.
   */
  push(packet: RtpPacket, now: number): DepacketizedFrame[] {
    this.stats.packets++;
    const ext = this.#unwrapper.unwrap(packet.sequenceNumber);
    if (this.#newest === -1) {
      this.#floor = ext - Math.min(startReorderRoom, this.#window >> 2);
      this.#newest = ext;
    } else if (ext - this.#newest > this.#window) {
      this.#startOver(ext); // a jump far ahead: the sender restarted or we were away long
    }
    if (ext <= this.#floor) {
      this.stats.latePackets++;
      return this.poll(now);
    }
    if (this.#packet(ext)) {
      this.stats.duplicatePackets++;
      return this.poll(now);
    }
    if (ext - this.#floor > this.#window) this.#slide(ext - this.#window);
    const slot = this.#slots[ext & this.#mask];
    slot.ext = ext;
    slot.timestamp = packet.timestamp;
    slot.marker = packet.marker;
    slot.payload = packet.payload;
    slot.arrivedAt = now;
    this.#occupied[(ext & this.#mask) >>> 5] |= 1 << (ext & 31);
    this.#held++;
    this.#heldBytes += packet.payload.length;
    if (ext > this.#newest) this.#newest = ext;
    // This packet may begin a frame, or make the one after it begin one: look again from it.
    if (ext < this.#resyncFrom) this.#resyncFrom = ext;
    return this.poll(now);
  }

  /** Gives up frames that waited too long (call on a timer too) and returns any now complete. */
  poll(now: number): DepacketizedFrame[] {
    const out: DepacketizedFrame[] = [];
    for (;;) {
      if (this.#synced) {
        const start = this.#floor + 1;
        const end = this.#frameEnd(start);
        if (end >= 0) {
          this.#release(start, end, out);
          continue;
        }
        if (end === oversized) {
          this.#dropOversized(start);
          continue;
        }
        if (!this.#overdue(now)) break;
        this.#synced = false; // its packets go as they become overdue, counted then
        this.#brokenPicture();
      }
      if (!this.#resync() && !this.#dropOverdue(now)) break;
    }
    return out;
  }

  /**
   * Sequence numbers missing between the next frame's start and the newest packet, oldest
   * first, at most `limit` of them.
   */
  missingSequenceNumbers(limit = Infinity): number[] {
    const missing: number[] = [];
    const from = this.#synced ? this.#floor + 1 : this.#lowestHeld();
    for (let ext = from; ext < this.#newest && missing.length < limit; ext++) {
      if (!this.#packet(ext)) missing.push(ext & 0xffff);
    }
    return missing;
  }

  /** The packet held under `ext`, if any. */
  #packet(ext: number): Slot | undefined {
    const slot = this.#slots[ext & this.#mask];
    return slot.ext === ext && slot.payload ? slot : undefined;
  }

  /**
   * Where the frame starting at `start` ends (a marker, or the last packet of its timestamp),
   * or `incomplete`, or `oversized` once its payloads pass `maxAccessUnitBytes`.
   */
  #frameEnd(start: number): number {
    const first = this.#packet(start);
    if (!first) return incomplete;
    const scan = this.#scan;
    if (scan.start !== start) {
      scan.start = start;
      scan.next = start;
      scan.bytes = 0;
    }
    for (let ext = scan.next; ext <= this.#newest; ext++) {
      const packet = this.#packet(ext);
      if (!packet) return incomplete;
      if (packet.timestamp !== first.timestamp) return ext - 1;
      const bytes = scan.bytes + packet.payload!.length;
      if (bytes > this.#maxAccessUnitBytes) return oversized;
      if (packet.marker) return ext;
      scan.bytes = bytes;
      scan.next = ext + 1;
    }
    return incomplete;
  }

  /** Takes the packets start..end out, then gives out their access unit or drops it. */
  #release(start: number, end: number, out: DepacketizedFrame[]) {
    const payloads: Uint8Array[] = [];
    for (let ext = start; ext <= end; ext++) payloads.push(this.#packet(ext)!.payload!);
    const first = this.#packet(start)!;
    const timestamp = first.timestamp;
    this.#letGoThrough(end);
    // Padding only (a sender's bandwidth probe, as Chromium sends with transport-cc): no frame.
    if (payloads.every((p) => p.length === 0)) return;
    let au: DepacketizedFrame;
    try {
      const { data, keyframe } = this.#format.assemble(payloads);
      au = {
        timestamp,
        data,
        keyframe,
        firstSequenceNumber: start & 0xffff,
        lastSequenceNumber: end & 0xffff,
      };
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      this.stats.droppedFrames++;
      this.#brokenPicture();
      return;
    }
    if (this.#waitingForKeyframe && !au.keyframe) {
      this.stats.droppedFrames++;
      this.keyframeNeeded = true;
      return;
    }
    if (au.keyframe) {
      this.#waitingForKeyframe = false;
      this.keyframeNeeded = false;
    }
    this.stats.accessUnits++;
    out.push(au);
  }

  /** Drops the frame at `start` (and all before it) that grew too big, and starts looking again. */
  #dropOversized(start: number) {
    const { timestamp } = this.#packet(start)!;
    let last = start;
    while (this.#packet(last + 1)?.timestamp === timestamp) last++;
    this.stats.discardedPackets += this.#letGoThrough(last).packets;
    this.stats.droppedFrames++;
    this.stats.oversizedFrames++;
    this.#synced = false;
    this.#brokenPicture();
  }

  /**
   * Without a known frame start (at the beginning, or after giving a frame up), finds the
   * first complete keyframe among the held packets and continues from there. One pass over
   * the window.
   */
  #resync(): boolean {
    const from = Math.max(this.#floor + 1, this.#resyncFrom);
    for (let ext = this.#nextHeld(from); ext >= 0; ext = this.#nextHeld(ext + 1)) {
      if (!this.#isFrameStart(ext)) continue;
      const end = this.#frameEnd(ext);
      if (end === incomplete) {
        this.#resyncFrom = ext;
        return false; // wait for it: it may be the keyframe
      }
      if (end === oversized) {
        this.#dropOversized(ext);
        return true;
      }
      if (this.#hasKeyframe(ext, end)) {
        this.stats.discardedPackets += this.#letGoThrough(ext - 1).packets;
        this.#synced = true;
        this.#resyncFrom = -1;
        return true;
      }
      this.keyframeNeeded = true; // a whole frame, but nothing before it to decode it with
      ext = end;
    }
    this.#resyncFrom = this.#newest + 1;
    return false;
  }

  #isFrameStart(ext: number): boolean {
    const packet = this.#packet(ext)!;
    // The packet before, held or let go: a frame ended there, or it is another frame's.
    const previous = this.#slots[(ext - 1) & this.#mask];
    if (previous.ext === ext - 1) return previous.marker || previous.timestamp !== packet.timestamp;
    // Otherwise only a payload that can only open a keyframe.
    return this.#format.opensKeyframe(packet.payload!);
  }

  #hasKeyframe(start: number, end: number): boolean {
    for (let ext = start; ext <= end; ext++) {
      if (this.#format.holdsKeyframe(this.#packet(ext)!.payload!)) return true;
    }
    return false;
  }

  /** True when the oldest held packet has waited too long, or too many bytes are held. */
  #overdue(now: number): boolean {
    if (this.#heldBytes > this.#maxBytes) return true;
    const oldest = this.#packet(this.#lowestHeld());
    return oldest !== undefined && now - oldest.arrivedAt >= this.#maxWaitMs;
  }

  /** Unsynced: lets go of packets that waited too long, oldest first; true if it did. */
  #dropOverdue(now: number): boolean {
    let dropped = false;
    while (this.#held > 0 && this.#overdue(now)) {
      const { packets, frameEnds } = this.#letGoThrough(this.#lowestHeld());
      this.stats.discardedPackets += packets;
      this.stats.droppedFrames += frameEnds;
      dropped = true;
    }
    return dropped;
  }

  /** The oldest packet held, or the newest when none is. */
  #lowestHeld(): number {
    const ext = this.#nextHeld(this.#floor + 1);
    return ext < 0 ? this.#newest : ext;
  }

  /** The first held packet from `from` up to the newest, or -1. */
  #nextHeld(from: number): number {
    for (let ext = from; ext <= this.#newest;) {
      const index = ext & this.#mask;
      const bits = this.#occupied[index >>> 5] >>> (index & 31);
      if (bits !== 0) {
        const found = ext + 31 - Math.clz32(bits & -bits); // the lowest bit set
        return found <= this.#newest ? found : -1;
      }
      ext += 32 - (index & 31);
    }
    return -1;
  }

  /** The newest packet moved more than the window past the floor: the floor follows it. */
  #slide(floor: number) {
    const { packets, frameEnds } = this.#letGoThrough(floor);
    this.stats.discardedPackets += packets;
    this.stats.droppedFrames += frameEnds;
    if (this.#synced) {
      this.#synced = false;
      this.#brokenPicture();
    }
  }

  /**
   * Moves the floor up to `ext`, letting go of the packets held up to there (their slots keep
   * what framed them); says how many it let go and how many of those ended a frame.
   */
  #letGoThrough(ext: number): { packets: number; frameEnds: number } {
    let packets = 0;
    let frameEnds = 0;
    for (
      let at = this.#nextHeld(this.#floor + 1);
      at >= 0 && at <= ext;
      at = this.#nextHeld(at + 1)
    ) {
      const slot = this.#packet(at)!;
      this.#occupied[(at & this.#mask) >>> 5] &= ~(1 << (at & 31));
      packets++;
      if (slot.marker) frameEnds++;
      this.#held--;
      this.#heldBytes -= slot.payload!.length;
      slot.payload = undefined;
    }
    if (ext > this.#floor) this.#floor = ext;
    return { packets, frameEnds };
  }

  #brokenPicture() {
    this.#waitingForKeyframe = true;
    this.keyframeNeeded = true;
  }

  #startOver(ext: number) {
    this.stats.sequenceJumps++;
    // The slots let go keep older numbers than any to come, so they frame nothing new.
    const { packets } = this.#letGoThrough(this.#newest);
    this.stats.droppedFrames += packets > 0 ? 1 : 0;
    this.stats.discardedPackets += packets;
    this.#floor = ext - 1;
    this.#newest = ext;
    this.#synced = false;
    this.#brokenPicture();
  }
}
