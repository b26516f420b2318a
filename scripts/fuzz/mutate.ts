/**
 * Mutations of a seed input: of bytes (bit flips, byte insert and delete, length fields set to
 * edge and huge values, truncation, splices of two seeds, random bytes), of text (its UTF-8
 * bytes mutated, or whole lines dropped, repeated and swapped) and of JSON values (a member
 * replaced by a value of the wrong type, the wrong size or a hostile shape).
 */
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { Rng } from "./prng.ts";

/** Values a length or count field is set to: edges, off-by-ones and huge ones. */
const edgeValues = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff];

type ByteMutation = (bytes: Uint8Array, rng: Rng, other: Uint8Array) => Uint8Array;

const byteMutations: ByteMutation[] = [
  function flipBit(b, rng) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.below(out.length)] ^= 1 << rng.below(8);
    return out;
  },
  function setByte(b, rng) {
    if (b.length === 0) return b;
    const out = b.slice();
    out[rng.below(out.length)] = rng.chance(0.5) ? rng.pick(edgeValues) & 0xff : rng.below(256);
    return out;
  },
  function insertBytes(b, rng) {
    const at = rng.below(b.length + 1);
    return concatBytes([b.subarray(0, at), rng.bytes(1 + rng.below(16)), b.subarray(at)]);
  },
  function deleteBytes(b, rng) {
    const at = rng.below(b.length + 1);
    return concatBytes([b.subarray(0, at), b.subarray(at + 1 + rng.below(16))]);
  },
  function repeatRange(b, rng) {
    const at = rng.below(b.length + 1);
    const range = b.subarray(at, at + 1 + rng.below(64));
    return concatBytes([b.subarray(0, at), range, range, b.subarray(at)]);
  },
  /** A 16- or 32-bit field, either byte order, set to an edge or a huge value. */
  function corruptLength(b, rng) {
    const width = rng.chance(0.5) ? 2 : 4;
    if (b.length < width) return b;
    const out = b.slice();
    const view = new DataView(out.buffer);
    const at = rng.below(out.length - width + 1);
    const value = rng.chance(0.7) ? rng.pick(edgeValues) : rng.next();
    if (width === 2) view.setUint16(at, value & 0xffff, rng.chance(0.3));
    else view.setUint32(at, value >>> 0, rng.chance(0.3));
    return out;
  },
  function truncate(b, rng) {
    return b.subarray(0, rng.below(b.length + 1));
  },
  function splice(b, rng, other) {
    return concatBytes([
      b.subarray(0, rng.below(b.length + 1)),
      other.subarray(rng.below(other.length + 1)),
    ]);
  },
  function randomBytes(_b, rng) {
    return rng.bytes(rng.below(rng.chance(0.9) ? 64 : 4096));
  },
];

/** One to four stacked mutations of `seed` (`other`: a second seed for splices). */
export function mutateBytes(seed: Uint8Array, rng: Rng, other: Uint8Array = seed): Uint8Array {
  let bytes = seed;
  for (let n = 1 + rng.below(4); n > 0; n--) bytes = rng.pick(byteMutations)(bytes, rng, other);
  return bytes;
}

/**
 * Characters a line repeat adds at most: more than any input the endpoint or a peer accepts
 * (request bodies, signaling frames and SDP are all bounded well below), so bigger inputs
 * would only measure JSON.parse.
 */
const maxRepeatedChars = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text mutated as UTF-8 bytes (invalid sequences decode to U+FFFD) or as lines. */
export function mutateText(seed: string, rng: Rng, other: string = seed): string {
  if (rng.chance(0.3)) return mutateLines(seed, rng, other);
  return decoder.decode(mutateBytes(encoder.encode(seed), rng, encoder.encode(other)));
}

function mutateLines(seed: string, rng: Rng, other: string): string {
  const lines = seed.split("\n");
  const others = other.split("\n");
  const at = rng.below(lines.length);
  switch (rng.below(4)) {
    case 0:
      lines.splice(at, 1 + rng.below(3));
      break;
    case 1: {
      // Many copies of a short line; never past `maxRepeatedChars` in all.
      const copies = Math.min(
        1 + rng.below(rng.chance(0.1) ? 5000 : 4),
        Math.ceil(maxRepeatedChars / (lines[at].length + 1)),
      );
      lines.splice(at, 0, ...Array(copies).fill(lines[at]));
      break;
    }
    case 2:
      [lines[at], lines[lines.length - 1 - at]] = [lines[lines.length - 1 - at], lines[at]];
      break;
    default:
      lines.splice(at, 0, rng.pick(others));
  }
  return lines.join("\n");
}

/** Values of the wrong type, size or shape for any member. */
function hostileValue(rng: Rng): unknown {
  switch (rng.below(14)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 31, NaN]);
    case 3:
      return "";
    case 4:
      return "x".repeat(rng.pick([255, 256, 257, 1024, 10_241, 100_000]));
    case 5:
      return [];
    case 6:
      return [null, 1, "a", {}];
    case 7:
      return {};
    case 8:
      return { toString: 1, valueOf: 1 };
    case 9:
      return JSON.parse('{"__proto__":{"polluted":true}}');
    case 10:
      return "\u0000\ud800\n\r\u2028";
    case 11:
      return String(rng.next());
    case 12:
      return JSON.parse("[".repeat(2000) + "]".repeat(2000));
    default:
      return decoder.decode(rng.bytes(rng.below(40)));
  }
}

/**
 * A copy of a JSON value with one member (at any depth) replaced, deleted, renamed to another
 * case, or added under an odd name; or a hostile value in its place.
 */
export function mutateJson(value: unknown, rng: Rng): unknown {
  if (value === null || typeof value !== "object" || rng.chance(0.15)) return hostileValue(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return rng.chance(0.5) ? hostileValue(rng) : copy;
  const key = rng.pick(keys);
  const record = copy as Record<string, unknown>;
  switch (rng.below(6)) {
    case 0:
      delete record[key];
      break;
    case 5:
      record[rng.pick(["", "__proto__", "constructor", key + key, "x".repeat(300)])] = hostileValue(
        rng,
      );
      break;
    case 1: {
      const member = record[key];
      delete record[key];
      record[rng.chance(0.5) ? key.toUpperCase() : key.toLowerCase()] = member;
      break;
    }
    case 2:
      record[key] = hostileValue(rng);
      break;
    default:
      record[key] = mutateJson(record[key], rng);
  }
  return copy;
}

/**
 * The bytes as a view in the middle of a bigger buffer, half the time: parsers must read
 * within the view (byteOffset and byteLength), never the buffer around it.
 */
export function inBiggerBuffer(bytes: Uint8Array, rng: Rng): Uint8Array {
  if (rng.chance(0.5)) return bytes;
  const before = rng.below(16);
  const buffer = rng.bytes(before + bytes.length + rng.below(16));
  buffer.set(bytes, before);
  return buffer.subarray(before, before + bytes.length);
}

/** One of the seeds, mutated (spliced with another), maybe as a view into a bigger buffer. */
export function mutatedSeed(seeds: readonly Uint8Array[], rng: Rng): Uint8Array {
  return inBiggerBuffer(mutateBytes(rng.pick(seeds), rng, rng.pick(seeds)), rng);
}
