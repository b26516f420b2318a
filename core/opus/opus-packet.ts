/**
 * What an Opus packet's TOC byte says about its length in time (RFC 6716 3.1), so a sender can
 * advance the 48 kHz RTP clock by the right amount per packet.
 */

/** Samples at 48 kHz in one Opus packet. */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) throw new Error("empty Opus packet");
  const toc = packet[0];
  const config = toc >> 3;
  // Frame sizes in units of 2.5 ms (120 samples at 48 kHz).
  const units = config < 12
    ? [4, 8, 16, 24][config & 3] // SILK: 10, 20, 40, 60 ms
    : config < 16
    ? [4, 8][config & 1] // hybrid: 10, 20 ms
    : [1, 2, 4, 8][config & 3]; // CELT: 2.5, 5, 10, 20 ms
  const code = toc & 3;
  let frames = code === 0 ? 1 : 2;
  if (code === 3) {
    if (packet.length < 2) throw new Error("Opus packet with code 3 lacks its frame count byte");
    frames = packet[1] & 0x3f;
  }
  return frames * units * 120;
}

/** True for the OpusHead and OpusTags header packets of an Ogg Opus stream (RFC 7845). */
export function isOpusHeaderPacket(packet: Uint8Array): boolean {
  if (packet.length < 8) return false;
  const magic = String.fromCharCode(...packet.subarray(0, 8));
  return magic === "OpusHead" || magic === "OpusTags";
}
