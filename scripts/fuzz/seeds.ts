/**
 * The real inputs mutations start from: the committed sample frames and Opus packets, RTP and
 * RTCP packets made by the project's own builders, and a real SDP offer. Made once, on first use.
 */
import { readFileSync } from "node:fs";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { parameterSets } from "../../core/media/media-frame.ts";
import { serializeRtpPacket } from "../../core/rtp/header.ts";
import { packetizeFrames } from "../../tests/unit/support/rtp-stream.ts";
import { sampleFrames, sampleOpusPackets } from "../../tests/unit/support/samples.ts";

export { chromiumOffer } from "../../tests/unit/support/sdp-offers.ts";
export { sampleFrames, sampleOpusPackets };

export const once = <T>(make: () => T): () => T => {
  let value: T | undefined;
  return () => (value ??= make());
};

/** The first frames of the samples (a keyframe and the frames after it) as RTP packets. */
export const videoPackets = once(() =>
  packetizeFrames(sampleFrames.slice(0, 12), { maxPayload: 1000 }).map((p) => p.bytes)
);

/** Sample Opus packets as RTP packets of a 48 kHz track. */
export const audioPackets = once(() =>
  sampleOpusPackets.slice(0, 50).map((payload, i) =>
    serializeRtpPacket({
      marker: i === 0,
      payloadType: 111,
      sequenceNumber: (65500 + i) & 0xffff,
      timestamp: (i * 960) >>> 0,
      ssrc: 0x5678,
      payload,
    })
  )
);

/** The SPS and PPS of the first sample frame. */
export const sampleParameterSets = once(() => {
  const { sps, pps } = parameterSets(sampleFrames[0], findNalUnits(sampleFrames[0]));
  if (!sps || !pps) throw new Error("the first sample frame has no SPS and PPS");
  return { sps, pps };
});

/** An avcC record (ISO/IEC 14496-15 5.3.3.1) for the samples' SPS and PPS, 4-byte lengths. */
export const sampleAvcC = once(() => {
  const { sps, pps } = sampleParameterSets();
  return new Uint8Array([
    1,
    sps[1],
    sps[2],
    sps[3],
    0xff,
    0xe1,
    sps.length >> 8,
    sps.length & 0xff,
    ...sps,
    1,
    pps.length >> 8,
    pps.length & 0xff,
    ...pps,
  ]);
});

/** An Ogg Opus file (the unit tests' fixture). */
export const oggOpusFile = once(() =>
  new Uint8Array(
    readFileSync(new URL("../../tests/unit/fixtures/tone-100ms.opus", import.meta.url)),
  )
);
