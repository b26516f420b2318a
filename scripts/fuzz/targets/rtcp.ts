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
import { FrameRing } from "../../../core/media/frame-ring.ts";
import { maxRetransmissionsPerSecond } from "../../../core/media/send/nack-responder.ts";
import { TrackSender } from "../../../core/media/track-sender.ts";
import { VideoIngest } from "../../../core/media/video-ingest.ts";
import { once, sampleFrames } from "../seeds.ts";
import { mutatedSeed } from "../mutate.ts";
import { type FuzzTarget, invariant, isPlainError, showBytes } from "../target.ts";

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

/** The sender's SSRC in the seeds below: NACK, PLI and FIR aimed at it act on the sender. */
const senderSsrc = 2;

/** One sender over a ring of the sample frames, reused across cases (its state carries over). */
const trackSender = once(() => {
  const ring = new FrameRing("video");
  const ingest = new VideoIngest();
  sampleFrames.slice(0, 90).forEach((au, i) => ring.push(ingest.frame(au, i * 33_333)));
  const clock = { ms: 0 };
  const sender = new TrackSender({
    ring,
    ssrc: senderSsrc,
    payloadType: 102,
    clockRate: 90_000,
    send: () => true,
    clock: { now: () => clock.ms, unixNow: () => 1.7e12 + clock.ms },
    initialSequenceNumber: 0, // the seeds' NACKs name packets it sent
    initialTimestamp: 0,
    // No later turns: each case is one, with the pacer's bytes earned since the last.
    turns: () => () => {},
  });
  sender.start();
  return { sender, clock };
});

/**
 * Compound RTCP from a hostile viewer into a master's sender: the NACK responder resends from
 * the ring, the keyframe handler restarts, the receiver feedback records reports. A malformed
 * compound is a plain Error; resends stay within their per-second cap.
 */
export const trackSenderRtcp: FuzzTarget<Uint8Array> = {
  name: "track-sender-rtcp",
  input: (rng) => mutatedSeed(rtcpSeeds(), rng),
  run(bytes) {
    const { sender, clock } = trackSender();
    clock.ms += 1000; // a new second each case: the resend budget refills
    const before = sender.stats.retransmissions;
    sender.handleRtcp(bytes);
    const resent = sender.stats.retransmissions - before;
    invariant(
      resent <= maxRetransmissionsPerSecond,
      `${resent} resends for one compound, over the ${maxRetransmissionsPerSecond}/s cap`,
    );
    invariant(sender.retransmitBuffer.capacity <= 0x8000, "retransmit buffer past its bound");
  },
  deliberate: isPlainError,
  show: showBytes,
};
