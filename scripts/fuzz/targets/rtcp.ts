/**
 * Compound RTCP as a sender or viewer receives it: each packet parsed into the kinds kvsrtc
 * acts on. A malformed compound is a plain Error naming the problem.
 */
import { concatBytes } from "../../../core/bytes/concat-bytes.ts";
import { buildFir } from "../../../core/rtcp/fir.ts";
import { buildNack } from "../../../core/rtcp/nack.ts";
import { parseRtcp } from "../../../core/rtcp/parse.ts";
import { buildPli } from "../../../core/rtcp/pli.ts";
import { buildReceiverReport } from "../../../core/rtcp/receiver-report.ts";
import { buildRemb } from "../../../core/rtcp/remb.ts";
import { buildSenderReport } from "../../../core/rtcp/sender-report.ts";
import { buildSourceDescription } from "../../../core/rtcp/source-description.ts";
import { once } from "../seeds.ts";
import { mutatedSeed } from "../mutate.ts";
import { type FuzzTarget, isPlainError, showBytes } from "../target.ts";

const block = {
  ssrc: 0x12345678,
  fractionLost: 12,
  cumulativeLost: -3,
  highestSequence: 0x1ffff,
  jitter: 40,
  lastSenderReport: 0xabcdef01,
  delaySinceLastSenderReport: 0x10000,
};

/** Each kind built by the project's builders, alone and in the compounds senders make. */
const rtcpSeeds = once((): Uint8Array[] => {
  const sr = buildSenderReport({
    ssrc: 1,
    ntpSeconds: 0xda8bd1fc,
    ntpFraction: 7,
    rtpTimestamp: 9,
    packetCount: 3,
    octetCount: 4,
    reports: [block],
  });
  const rr = buildReceiverReport({ ssrc: 2, reports: [block, block] });
  const sdes = buildSourceDescription({
    chunks: [{ ssrc: 1, cname: "user@host" }, { ssrc: 2, cname: "" }],
  });
  const nack = buildNack({
    senderSsrc: 1,
    mediaSsrc: 2,
    sequenceNumbers: [65534, 65535, 0, 5, 30],
  });
  const pli = buildPli({ senderSsrc: 1, mediaSsrc: 2 });
  const fir = buildFir({ senderSsrc: 1, entries: [{ ssrc: 2, sequenceNumber: 5 }] });
  const remb = buildRemb({ senderSsrc: 1, bitrate: 1_000_000, ssrcs: [2, 3] });
  return [
    sr,
    rr,
    sdes,
    nack,
    pli,
    fir,
    remb,
    concatBytes([sr, sdes]),
    concatBytes([rr, sdes, nack, pli]),
    concatBytes([rr, remb, fir]),
  ];
});

export const rtcpCompound: FuzzTarget<Uint8Array> = {
  name: "rtcp-compound",
  input: (rng) => mutatedSeed(rtcpSeeds(), rng),
  run: (bytes) => parseRtcp(bytes),
  deliberate: isPlainError,
  show: showBytes,
};
