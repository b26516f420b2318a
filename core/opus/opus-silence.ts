/**
 * A silent Opus packet, made once: 20 ms of digital silence, stereo, fullband. The TOC byte
 * 0xFC is CELT-only fullband 20 ms (configuration 31), stereo, one frame (RFC 6716 §3.1); the
 * two bytes after it are a CELT frame whose first range-coded symbol is the silence flag (§4.3).
 * The same three-byte pattern in its mono form (F8 FF FE) is the silence frame chat services
 * document for their voice clients; ffmpeg's Opus decoder turns this one into zero samples.
 * (libopus encodes digital silence otherwise, in SILK mode, 30-40 bytes a packet.) Every
 * silent packet sent is this one buffer, which nothing writes to.
 */
export const silentOpusPacket: Uint8Array = new Uint8Array([0xfc, 0xff, 0xfe]);

/** Media time one silent packet lasts. */
export const silentOpusPacketUs = 20_000;
