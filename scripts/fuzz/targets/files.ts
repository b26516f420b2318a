/**
 * What a file source reads first: its container, sniffed from the head (never throws), and an
 * Ogg Opus file's pages and packets (plain Errors for a malformed page or packet).
 */
import { containerFormatOf } from "../../../core/container/container-format.ts";
import { oggCrc, oggPackets } from "../../../core/opus/ogg-packets.ts";
import { isOpusHeaderPacket, opusPacketSamples } from "../../../core/opus/opus-packet.ts";
import { inBiggerBuffer, mutateBytes, mutatedSeed } from "../mutate.ts";
import { oggOpusFile, once, sampleAvcC, sampleFrames, sampleOpusPackets } from "../seeds.ts";
import { type FuzzTarget, isPlainError, nothingThrown, showBytes } from "../target.ts";

const ascii = (text: string) => new TextEncoder().encode(text);

/** File heads of each kind: MP4 (ftyp, and QuickTime's moov), Matroska, Annex-B, Ogg. */
const heads = once(() => [
  new Uint8Array([0, 0, 0, 0x20, ...ascii("ftypisom"), 0, 0, 2, 0]),
  new Uint8Array([0, 0, 0, 8, ...ascii("moov")]),
  new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1]),
  sampleFrames[0].subarray(0, 16),
  oggOpusFile().subarray(0, 16),
  sampleAvcC(),
]);

export const containerFormat: FuzzTarget<Uint8Array> = {
  name: "container-format",
  input: (rng) => mutatedSeed(heads(), rng),
  run: (head) => containerFormatOf(head),
  deliberate: nothingThrown,
  show: showBytes,
};

export const oggOpus: FuzzTarget<Uint8Array> = {
  name: "ogg-opus",
  input(rng) {
    const file = mutateBytes(oggOpusFile(), rng);
    return inBiggerBuffer(rng.chance(0.6) ? withPageCrcs(file) : file, rng);
  },
  run(file) {
    for (const packet of oggPackets(file)) {
      if (!isOpusHeaderPacket(packet.data) && packet.data.length > 0) {
        opusPacketSamples(packet.data);
      }
    }
  },
  deliberate: isPlainError,
  show: showBytes,
};

/**
 * The file with each page's CRC made right again where its header can still be read: most
 * mutations then reach the lacing and packet code instead of stopping at the CRC check.
 */
function withPageCrcs(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at + 27 <= out.length;) {
    const headerSize = 27 + out[at + 26];
    if (at + headerSize > out.length) break;
    const bodySize = out.subarray(at + 27, at + headerSize).reduce((sum, n) => sum + n, 0);
    const end = at + headerSize + bodySize;
    if (end > out.length) break;
    view.setUint32(at + 22, oggCrc(out.subarray(at, end)), true);
    at = end;
  }
  return out;
}

export const opusPacket: FuzzTarget<Uint8Array> = {
  name: "opus-packet",
  input: (rng) => mutatedSeed(sampleOpusPackets, rng),
  run(packet) {
    if (!isOpusHeaderPacket(packet)) opusPacketSamples(packet);
  },
  deliberate: isPlainError,
  show: showBytes,
};
