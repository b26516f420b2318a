/**
 * Transport-wide congestion control feedback, TWCC (RTCP PT 205, FMT 15;
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1): for a range of transport-wide
 * sequence numbers from a base, whether each packet arrived and, for those that did, its
 * arrival time as a delta (250 µs ticks) from the previous one's, the first from a reference
 * time in 64 ms units. Statuses are run-length or status-vector chunks; deltas are one byte
 * (0..63.75 ms) or two (signed, -8192..8191.75 ms).
 */
import { newFeedbackPacket, readFeedbackPacket } from "./feedback.ts";
import { RtcpPacketType } from "./header.ts";

export interface TransportCcFeedback {
  senderSsrc: number;
  mediaSsrc: number;
  /** Transport-wide sequence number of the first packet reported. */
  baseSequenceNumber: number;
  /** 24-bit reference time in multiples of 64 ms, on the receiver's clock. */
  referenceTime: number;
  /** 8-bit count of feedback messages sent, so a receiver's lost feedback can be noticed. */
  feedbackPacketCount: number;
  /**
   * One entry per packet from the base on: its receive delta in microseconds (a multiple of
   * 250) from the previous received packet's arrival, the first from the reference time;
   * null for a packet not received.
   */
  receiveDeltasUs: (number | null)[];
}

/**
 * Most packet statuses one message may report. The 16-bit count could claim 65535, and a few
 * run-length chunks can cover that many; a receiver sending every ~100 ms reports far fewer.
 */
export const maxTransportCcPackets = 8192;

export const transportCcFmt = 15;
/** Microseconds in one receive-delta tick. */
export const receiveDeltaTickUs = 250;
/** Microseconds in one reference-time unit. */
export const referenceTimeUnitUs = 64_000;

const fixedSize = 20; // feedback header, base, count, reference time and feedback count
const notReceived = 0;
const smallDelta = 1;
const largeDelta = 2;
const maxRunLength = 0x1fff;
const oneBitCapacity = 14;
const twoBitCapacity = 7;

export function parseTransportCc(packet: Uint8Array): TransportCcFeedback {
  const { senderSsrc, mediaSsrc, view, end: size } = readFeedbackPacket(
    packet,
    RtcpPacketType.transportFeedback,
    transportCcFmt,
    "a transport-cc feedback",
  );
  let end = size;
  if (packet[0] & 0x20) {
    const padding = packet[size - 1];
    if (padding === 0 || size - padding < fixedSize) {
      throw new Error(`transport-cc padding of ${padding} bytes is invalid`);
    }
    end -= padding;
  }
  if (end < fixedSize) throw new Error(`transport-cc feedback of ${end} bytes is too short`);
  const count = view.getUint16(14);
  if (count > maxTransportCcPackets) {
    throw new Error(
      `transport-cc feedback reports ${count} packets, more than ${maxTransportCcPackets}`,
    );
  }
  const symbols = new Uint8Array(count);
  let at = fixedSize;
  for (let filled = 0; filled < count; at += 2) {
    if (at + 2 > end) throw new Error(`transport-cc chunks end before ${count} packet statuses`);
    filled = readChunk(view.getUint16(at), symbols, filled);
  }
  const receiveDeltasUs: (number | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const symbol = symbols[i];
    if (symbol === notReceived) {
      receiveDeltasUs[i] = null;
      continue;
    }
    const width = symbol === smallDelta ? 1 : 2;
    if (at + width > end) throw new Error(`transport-cc receive deltas end before packet ${i}`);
    const ticks = width === 1 ? view.getUint8(at) : view.getInt16(at);
    receiveDeltasUs[i] = ticks * receiveDeltaTickUs;
    at += width;
  }
  return {
    senderSsrc,
    mediaSsrc,
    baseSequenceNumber: view.getUint16(12),
    referenceTime: view.getUint32(16) >>> 8,
    feedbackPacketCount: view.getUint8(19),
    receiveDeltasUs,
  };
}

/** Writes one chunk's statuses into `symbols` from `filled` on; returns the new fill. */
function readChunk(chunk: number, symbols: Uint8Array, filled: number): number {
  const room = symbols.length - filled;
  if ((chunk & 0x8000) === 0) { // run length: 2-bit symbol, 13-bit length
    const symbol = checkSymbol((chunk >> 13) & 3);
    const run = Math.min(chunk & maxRunLength, room); // a run may overhang the count
    symbols.fill(symbol, filled, filled + run);
    return filled + run;
  }
  const twoBit = (chunk & 0x4000) !== 0;
  const capacity = Math.min(twoBit ? twoBitCapacity : oneBitCapacity, room);
  for (let i = 0; i < capacity; i++) {
    symbols[filled + i] = twoBit
      ? checkSymbol((chunk >> (12 - 2 * i)) & 3)
      : (chunk >> (13 - i)) & 1;
  }
  return filled + capacity;
}

function checkSymbol(symbol: number): number {
  if (symbol === 3) throw new Error("transport-cc packet status 3 is reserved");
  return symbol;
}

/**
 * Builds the message; chunks are chosen as libwebrtc does (the longest run-length or vector
 * chunk that fits), so a browser's feedback rebuilds to its own bytes. Throws a RangeError
 * for a delta that is no multiple of 250 µs or beyond what two bytes can say.
 */
export function buildTransportCc(feedback: TransportCcFeedback): Uint8Array {
  const deltas = feedback.receiveDeltasUs;
  if (deltas.length > maxTransportCcPackets) {
    throw new RangeError(`transport-cc feedback of ${deltas.length} packets is too long`);
  }
  const symbols = new Uint8Array(deltas.length);
  let deltaBytes = 0;
  deltas.forEach((deltaUs, i) => {
    symbols[i] = symbolOf(deltaUs);
    deltaBytes += symbols[i] === notReceived ? 0 : symbols[i];
  });
  const chunks = encodeChunks(symbols);
  const content = fixedSize + 2 * chunks.length + deltaBytes;
  const padding = (4 - (content % 4)) % 4;
  const { packet, view } = newFeedbackPacket(
    RtcpPacketType.transportFeedback,
    transportCcFmt,
    feedback.senderSsrc,
    feedback.mediaSsrc,
    content + padding - 12,
  );
  view.setUint16(12, feedback.baseSequenceNumber & 0xffff);
  view.setUint16(14, deltas.length);
  view.setUint32(
    16,
    ((feedback.referenceTime & 0xffffff) << 8 | feedback.feedbackPacketCount & 0xff) >>> 0,
  );
  let at = fixedSize;
  for (const chunk of chunks) {
    view.setUint16(at, chunk);
    at += 2;
  }
  deltas.forEach((deltaUs, i) => {
    if (deltaUs === null) return;
    const ticks = deltaUs / receiveDeltaTickUs;
    if (symbols[i] === smallDelta) view.setUint8(at, ticks);
    else view.setInt16(at, ticks);
    at += symbols[i];
  });
  if (padding) { // the P bit and a count in the last byte, as browsers pad it
    packet[0] |= 0x20;
    packet[packet.length - 1] = padding;
  }
  return packet;
}

function symbolOf(deltaUs: number | null): number {
  if (deltaUs === null) return notReceived;
  const ticks = deltaUs / receiveDeltaTickUs;
  if (!Number.isInteger(ticks) || ticks < -0x8000 || ticks > 0x7fff) {
    throw new RangeError(`transport-cc receive delta of ${deltaUs} µs cannot be encoded`);
  }
  return ticks >= 0 && ticks <= 0xff ? smallDelta : largeDelta;
}

/**
 * Packs statuses into chunks: symbols gather while they still fit one chunk (any 7; 14 with
 * no large delta; up to 8191 all the same); when the next does not fit, the gathered ones go
 * out as a run (all the same), a full 1-bit vector, or a 2-bit vector of the first 7 with the
 * rest gathered again.
 */
function encodeChunks(symbols: Uint8Array): number[] {
  const chunks: number[] = [];
  let start = 0; // gathered symbols are symbols[start, end)
  let end = 0;
  let same = true; // all gathered symbols equal symbols[start]
  let large = false; // a large delta is among them
  const gather = (from: number, to: number) => {
    start = from;
    end = from;
    same = true;
    large = false;
    while (end < to) add(symbols[end]);
  };
  const add = (symbol: number) => {
    same &&= symbol === symbols[start];
    large ||= symbol === largeDelta;
    end++;
  };
  const fits = (symbol: number) => {
    const size = end - start;
    if (size < twoBitCapacity) return true;
    if (size < oneBitCapacity && !large && symbol !== largeDelta) return true;
    return size < maxRunLength && same && symbol === symbols[start];
  };
  const emit = (last: boolean) => {
    const size = end - start;
    if (same) {
      chunks.push(symbols[start] << 13 | size);
      gather(end, end);
    } else if (size === oneBitCapacity || (last && size > twoBitCapacity)) {
      chunks.push(vectorChunk(symbols.subarray(start, end), 1));
      gather(end, end);
    } else {
      const taken = Math.min(size, twoBitCapacity);
      chunks.push(vectorChunk(symbols.subarray(start, start + taken), 2));
      gather(start + taken, end);
    }
  };
  for (const symbol of symbols) {
    while (!fits(symbol)) emit(false);
    add(symbol);
  }
  while (start < end) emit(true);
  return chunks;
}

function vectorChunk(symbols: Uint8Array, width: 1 | 2): number {
  let chunk = width === 1 ? 0x8000 : 0xc000;
  const top = width === 1 ? 13 : 12;
  symbols.forEach((symbol, i) => chunk |= symbol << (top - width * i));
  return chunk;
}
