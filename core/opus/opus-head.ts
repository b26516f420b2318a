/**
 * The OpusHead identification header (RFC 7845 §5.1): what Matroska's A_OPUS CodecPrivate and
 * an MP4's dOps are made from. 48 kHz input, channel mapping family 0 (mono or stereo).
 */
export function opusHead(channels: 1 | 2, preSkipSamples = 312): Uint8Array {
  const head = new Uint8Array(19);
  head.set(new TextEncoder().encode("OpusHead"));
  const view = new DataView(head.buffer);
  head[8] = 1; // version
  head[9] = channels;
  view.setUint16(10, preSkipSamples, true);
  view.setUint32(12, 48_000, true);
  // Output gain 0 dB (bytes 16-17) and mapping family 0 (byte 18) are already zero.
  return head;
}
