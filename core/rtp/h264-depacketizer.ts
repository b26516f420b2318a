/**
 * H.264 RTP depacketizer (RFC 6184, packetization-mode 1) for a viewer: takes RTP packets in
 * any order, puts them back in sequence order, reassembles STAP-A and FU-A, and gives out each
 * complete access unit as Annex-B with 4-byte start codes. It tells which sequence numbers are
 * missing (for NACK) and when the picture cannot be decoded without a new keyframe (for PLI).
 * Memory is bounded: an incomplete frame waits at most `maxWaitMs` for retransmissions and at
 * most `maxBufferedPackets` packets are held.
 */
import { NalType, nalType } from "../h264/nal-unit.ts";
import { fuA, stapA } from "./h264-packetizer.ts";
import type { RtpPacket } from "./header.ts";
import { SequenceUnwrapper } from "./sequence-number.ts";

export interface DepacketizedAccessUnit {
  /** RTP timestamp (90 kHz). */
  timestamp: number;
  /** The access unit in Annex-B form, each NAL unit after 00 00 00 01. */
  data: Uint8Array;
  keyframe: boolean;
  firstSequenceNumber: number;
  lastSequenceNumber: number;
}

export interface H264DepacketizerOptions {
  /** How long an incomplete frame waits for retransmitted packets before it is given up. */
  maxWaitMs?: number;
  maxBufferedPackets?: number;
  /** A missing packet is asked for again after this long without an answer. */
  nackIntervalMs?: number;
  maxNacksPerPacket?: number;
}

export interface H264DepacketizerStats {
  packets: number;
  /** Arrived after their frame was given out or given up, or twice. */
  latePackets: number;
  duplicatePackets: number;
  accessUnits: number;
  /** Frames that could not be given out: lost packets, malformed payloads, or no keyframe yet. */
  droppedFrames: number;
}

interface BufferedPacket {
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
  arrivedAt: number;
}

/** A malformed payload: the frame that holds it is dropped. */
class PayloadError extends Error {}

export class H264Depacketizer {
  /**
   * True from a loss that broke the picture (or from a start without a keyframe) until the
   * next keyframe is given out: the viewer should send PLI (its own rate limit).
   */
  keyframeNeeded = false;
  readonly stats: H264DepacketizerStats = {
    packets: 0,
    latePackets: 0,
    duplicatePackets: 0,
    accessUnits: 0,
    droppedFrames: 0,
  };

  #packets = new Map<number, BufferedPacket>(); // by extended sequence number
  #unwrapper = new SequenceUnwrapper();
  #floor = -1; // extended sequence numbers up to here are done with
  #newest = -1;
  #synced = false; // #floor + 1 is the first packet of the next frame
  #waitingForKeyframe = true;
  #frameEnds = new Set<number>(); // marker packets seen, to spot a frame start after a loss
  #nacks = new Map<number, { count: number; lastAt: number }>();
  #maxWaitMs: number;
  #maxBuffered: number;
  #nackIntervalMs: number;
  #maxNacks: number;

  constructor(options: H264DepacketizerOptions = {}) {
    this.#maxWaitMs = options.maxWaitMs ?? 1000;
    this.#maxBuffered = options.maxBufferedPackets ?? 2048;
    this.#nackIntervalMs = options.nackIntervalMs ?? 100;
    this.#maxNacks = options.maxNacksPerPacket ?? 10;
  }

  /**
   * Adds one RTP packet (its payload is kept as a view, not copied) and returns the access
   * units that are now complete, in order.
   */
  push(packet: RtpPacket, now: number = performance.now()): DepacketizedAccessUnit[] {
    this.stats.packets++;
    const ext = this.#unwrapper.unwrap(packet.sequenceNumber);
    if (this.#newest === -1) {
      this.#floor = ext - 64; // some room for packets that overtook earlier ones
      this.#newest = ext;
    } else if (ext - this.#newest > this.#maxBuffered) {
      this.#restart(ext); // a jump far ahead: the sender restarted or we were away long
    }
    if (ext <= this.#floor) {
      this.stats.latePackets++;
      return this.poll(now);
    }
    if (this.#packets.has(ext)) {
      this.stats.duplicatePackets++;
      return this.poll(now);
    }
    this.#packets.set(ext, {
      timestamp: packet.timestamp,
      marker: packet.marker,
      payload: packet.payload,
      arrivedAt: now,
    });
    if (packet.marker) this.#frameEnds.add(ext);
    this.#nacks.delete(ext);
    if (ext > this.#newest) this.#newest = ext;
    return this.poll(now);
  }

  /** Gives up frames that waited too long (call on a timer too) and returns any now complete. */
  poll(now: number = performance.now()): DepacketizedAccessUnit[] {
    const out: DepacketizedAccessUnit[] = [];
    for (;;) {
      if (this.#synced) {
        const start = this.#floor + 1;
        const end = this.#frameEnd(start);
        if (end !== undefined) {
          this.#release(start, end, out);
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

  /** Sequence numbers missing between the next frame's start and the newest packet. */
  missingSequenceNumbers(): number[] {
    return this.#missing().map((ext) => ext & 0xffff);
  }

  /**
   * The missing sequence numbers to ask for now: each is asked for at once, then again every
   * `nackIntervalMs` up to `maxNacksPerPacket` times.
   */
  nackDue(now: number = performance.now()): number[] {
    const due: number[] = [];
    for (const ext of this.#missing()) {
      const seq = ext & 0xffff;
      const nack = this.#nacks.get(ext);
      if (!nack) {
        this.#nacks.set(ext, { count: 1, lastAt: now });
        due.push(seq);
      } else if (now - nack.lastAt >= this.#nackIntervalMs && nack.count < this.#maxNacks) {
        nack.count++;
        nack.lastAt = now;
        due.push(seq);
      }
    }
    return due;
  }

  #missing(): number[] {
    const missing: number[] = [];
    const from = this.#synced ? this.#floor + 1 : this.#lowestBuffered();
    for (let ext = from; ext < this.#newest; ext++) {
      if (!this.#packets.has(ext)) missing.push(ext);
    }
    return missing;
  }

  /** Where the frame starting at `start` ends (a marker, or the last packet of its timestamp). */
  #frameEnd(start: number): number | undefined {
    const first = this.#packets.get(start);
    if (!first) return undefined;
    for (let ext = start;; ext++) {
      const packet = this.#packets.get(ext);
      if (!packet) return undefined;
      if (packet.timestamp !== first.timestamp) return ext - 1;
      if (packet.marker) return ext;
    }
  }

  /** Takes the packets start..end out, then gives out their access unit or drops it. */
  #release(start: number, end: number, out: DepacketizedAccessUnit[]) {
    const packets: BufferedPacket[] = [];
    for (let ext = start; ext <= end; ext++) {
      packets.push(this.#packets.get(ext)!);
      this.#packets.delete(ext);
    }
    this.#advanceFloor(end);
    let au: DepacketizedAccessUnit;
    try {
      au = assembleAccessUnit(packets, start & 0xffff, end & 0xffff);
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

  /**
   * Without a known frame start (at the beginning, or after giving a frame up), finds the
   * first complete keyframe among the buffered packets and continues from there.
   */
  #resync(): boolean {
    const starts = [...this.#packets.keys()].filter((ext) => this.#isFrameStart(ext))
      .sort((a, b) => a - b);
    for (const start of starts) {
      const end = this.#frameEnd(start);
      if (end === undefined) return false; // wait for it: it may be the keyframe
      if (this.#hasIdr(start, end)) {
        for (const ext of this.#packets.keys()) if (ext < start) this.#packets.delete(ext);
        this.#advanceFloor(start - 1);
        this.#synced = true;
        return true;
      }
      this.keyframeNeeded = true; // a whole frame, but nothing before it to decode it with
    }
    return false;
  }

  #isFrameStart(ext: number): boolean {
    const packet = this.#packets.get(ext)!;
    if (this.#frameEnds.has(ext - 1)) return true;
    const previous = this.#packets.get(ext - 1);
    if (previous) return previous.timestamp !== packet.timestamp;
    // Otherwise only NAL units that can only open an access unit (how a keyframe begins).
    const type = firstNalType(packet.payload);
    return type === NalType.accessUnitDelimiter || type === NalType.sps;
  }

  #hasIdr(start: number, end: number): boolean {
    for (let ext = start; ext <= end; ext++) {
      const payload = this.#packets.get(ext)!.payload;
      if (payload.length === 0) continue;
      const type = nalType(payload[0]);
      if (type === NalType.idrSlice) return true;
      if (type === fuA && payload.length > 1 && nalType(payload[1]) === NalType.idrSlice) {
        return true;
      }
      if (type === stapA && stapANalTypes(payload).includes(NalType.idrSlice)) return true;
    }
    return false;
  }

  /** True when the oldest buffered packet has waited too long, or too many are buffered. */
  #overdue(now: number): boolean {
    if (this.#packets.size > this.#maxBuffered) return true;
    const oldest = this.#packets.get(this.#lowestBuffered());
    return oldest !== undefined && now - oldest.arrivedAt >= this.#maxWaitMs;
  }

  /** Unsynced: forgets packets that waited too long, oldest first; true if it did. */
  #dropOverdue(now: number): boolean {
    let dropped = false;
    while (this.#packets.size > 0 && this.#overdue(now)) {
      const lowest = this.#lowestBuffered();
      if (this.#packets.get(lowest)!.marker) this.stats.droppedFrames++;
      this.#packets.delete(lowest);
      this.#advanceFloor(lowest);
      dropped = true;
    }
    return dropped;
  }

  #lowestBuffered(): number {
    let lowest = Infinity;
    for (const ext of this.#packets.keys()) if (ext < lowest) lowest = ext;
    return lowest === Infinity ? this.#newest : lowest;
  }

  #advanceFloor(ext: number) {
    if (ext <= this.#floor) return;
    this.#floor = ext;
    for (const seen of this.#nacks.keys()) if (seen <= ext) this.#nacks.delete(seen);
    if (this.#frameEnds.size > 256) {
      for (const seen of this.#frameEnds) if (seen < ext) this.#frameEnds.delete(seen);
    }
  }

  #brokenPicture() {
    this.#waitingForKeyframe = true;
    this.keyframeNeeded = true;
  }

  #restart(ext: number) {
    this.stats.droppedFrames += this.#packets.size > 0 ? 1 : 0;
    this.#packets.clear();
    this.#nacks.clear();
    this.#frameEnds.clear();
    this.#floor = ext - 1;
    this.#newest = ext;
    this.#synced = false;
    this.#brokenPicture();
  }
}

function firstNalType(payload: Uint8Array): number {
  if (payload.length < 2) return payload.length ? nalType(payload[0]) : 0;
  const type = nalType(payload[0]);
  if (type === stapA) return payload.length > 3 ? nalType(payload[3]) : 0;
  if (type === fuA) return payload[1] & 0x80 ? nalType(payload[1]) : 0;
  return type;
}

function stapANalTypes(payload: Uint8Array): number[] {
  const types: number[] = [];
  for (let at = 1; at + 2 < payload.length; at += 2 + ((payload[at] << 8) | payload[at + 1])) {
    types.push(nalType(payload[at + 2]));
  }
  return types;
}

/** Rebuilds the NAL units of one frame's payloads (in order) as Annex-B. */
function assembleAccessUnit(
  packets: readonly BufferedPacket[],
  firstSequenceNumber: number,
  lastSequenceNumber: number,
): DepacketizedAccessUnit {
  // Each NAL unit as a list of byte pieces (several for a fragmented one).
  const nalUnits: Uint8Array[][] = [];
  let fragmented: Uint8Array[] | undefined;
  for (const { payload } of packets) {
    if (payload.length === 0) continue; // padding only
    const type = nalType(payload[0]);
    if (type === fuA) {
      if (payload.length < 3) throw new PayloadError("FU-A packet without payload");
      const fuHeader = payload[1];
      if (fuHeader & 0x80) {
        if (fragmented) throw new PayloadError("FU-A start inside another fragmented NAL unit");
        fragmented = [new Uint8Array([(payload[0] & 0xe0) | (fuHeader & 0x1f)])];
        nalUnits.push(fragmented);
      } else if (!fragmented) {
        throw new PayloadError("FU-A fragment without its start");
      }
      fragmented.push(payload.subarray(2));
      if (fuHeader & 0x40) fragmented = undefined;
      continue;
    }
    if (fragmented) throw new PayloadError("fragmented NAL unit without its end");
    if (type === stapA) {
      let at = 1;
      while (at < payload.length) {
        const size = at + 2 <= payload.length ? (payload[at] << 8) | payload[at + 1] : 0;
        if (size === 0 || at + 2 + size > payload.length) {
          throw new PayloadError("STAP-A NAL unit size overruns the packet");
        }
        nalUnits.push([payload.subarray(at + 2, at + 2 + size)]);
        at += 2 + size;
      }
    } else if (type >= 1 && type <= 23) {
      nalUnits.push([payload]);
    } else {
      throw new PayloadError(`H.264 RTP payload type ${type} is not packetization-mode 1`);
    }
  }
  if (fragmented) throw new PayloadError("fragmented NAL unit without its end");
  let size = 0;
  for (const pieces of nalUnits) for (const piece of pieces) size += piece.length;
  const data = new Uint8Array(size + 4 * nalUnits.length);
  let at = 0;
  let keyframe = false;
  for (const pieces of nalUnits) {
    data[at + 3] = 1;
    at += 4;
    keyframe ||= nalType(pieces[0][0]) === NalType.idrSlice;
    for (const piece of pieces) {
      data.set(piece, at);
      at += piece.length;
    }
  }
  return {
    timestamp: packets[0].timestamp,
    data,
    keyframe,
    firstSequenceNumber,
    lastSequenceNumber,
  };
}
