import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ViewerReceiver,
  type ViewerReceiverOptions,
} from "../../core/media/receive/viewer-receiver.ts";
import { parseRtcp, type RtcpPacket } from "../../core/rtcp/parse.ts";
import { buildSenderReport } from "../../core/rtcp/sender-report.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { writeRtpPacket } from "../../core/rtp/payload-plan.ts";
import {
  transportWideSequenceBlockSize,
  writeTransportWideSequence,
} from "../../core/rtp/transport-wide-sequence.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { planH265AccessUnit } from "../../core/rtp/h265-packetizer.ts";
import { planVp8Frame } from "../../core/rtp/vp8-packetizer.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { sampleFrames } from "./support/samples.ts";
import { codecStreamsMissing, h265Stream, vp8Ivf } from "./support/codec-streams.ts";
import {
  nalUnitBytes,
  packetizeFrames,
  packetizeWith,
  type SentPacket,
} from "./support/rtp-stream.ts";

const ourSsrc = 0xbeef;
const mediaSsrc = 0x1234; // what packetizeFrames writes

/** A receiver on a fake clock, recording what it sends and gives out. */
function setup(video?: ViewerReceiverOptions["video"]) {
  const clock = { now: 0 };
  const sent: { track: string; rtcp: RtcpPacket[]; at: number }[] = [];
  const frames: Uint8Array[] = [];
  const repeated: Uint8Array[] = [];
  const receiver = new ViewerReceiver({
    ssrc: ourSsrc,
    now: () => clock.now,
    videoClockRate: 90000,
    audioClockRate: 48000,
    send: (track, packet) => (sent.push({ track, rtcp: parseRtcp(packet), at: clock.now }), true),
    events: {
      frame: (au) => frames.push(au.data),
      repeatedFrame: (au) => repeated.push(au.data),
      audio: () => {},
    },
    video,
  });
  /** Ticks every 20 ms from now until `until`. */
  const runUntil = (until: number) => {
    while (clock.now + 20 <= until) {
      clock.now += 20;
      receiver.tick();
    }
  };
  const feed = (packets: readonly SentPacket[]) => {
    for (const p of packets) receiver.receive("video", p.bytes);
  };
  /** The RTCP packets of one kind sent, with their track and time. */
  const of = <K extends RtcpPacket["kind"]>(kind: K) =>
    sent.flatMap(({ track, at, rtcp }) =>
      rtcp.filter((r): r is Extract<RtcpPacket, { kind: K }> => r.kind === kind)
        .map((r) => ({ track, at, rtcp: r }))
    );
  return { clock, receiver, sent, frames, repeated, runUntil, feed, of };
}

const seq = (p: SentPacket) => parseRtpPacket(p.bytes).sequenceNumber;

describe("viewer receiver: NACK", () => {
  test("asks for lost packets on the next tick, again every 100 ms, and stops once they come", () => {
    const { receiver, runUntil, feed, of, frames } = setup();
    const packets = packetizeFrames(sampleFrames.slice(0, 10));
    const lost = [5, 40];
    feed(packets.filter((_, i) => !lost.includes(i)));
    runUntil(20);
    const nacks = () =>
      of("nack").map(({ at, rtcp }) => ({
        at,
        seqs: rtcp.packet.sequenceNumbers,
      }));
    assert.deepEqual(nacks(), [{ at: 20, seqs: lost.map((i) => seq(packets[i])) }]);
    runUntil(100);
    assert.equal(nacks().length, 1, "not again within 100 ms");
    runUntil(120);
    assert.deepEqual(nacks().map((n) => n.at), [20, 120]);
    const nack = of("nack")[0].rtcp.packet;
    assert.equal(nack.senderSsrc, ourSsrc);
    assert.equal(nack.mediaSsrc, mediaSsrc);
    feed(lost.map((i) => packets[i]));
    runUntil(400);
    assert.equal(nacks().length, 2, "nothing missing: no NACK");
    assert.equal(frames.length, 10);
    assert.equal(receiver.stats.nacksSent, 2);
  });

  test("asks for one packet at most 10 times", () => {
    const { runUntil, feed, of } = setup({ depacketizer: { maxWaitMs: 1e9 } });
    feed(packetizeFrames(sampleFrames.slice(0, 5)).filter((_, i) => i !== 3));
    runUntil(5000);
    assert.equal(of("nack").length, 10);
  });
});

describe("viewer receiver: keyframe requests (PLI)", () => {
  test("joined mid-GOP, it asks for a keyframe at once, then at most every 300 ms", () => {
    const { receiver, runUntil, feed, of } = setup();
    feed(packetizeFrames(sampleFrames.slice(5, 10)));
    runUntil(1000);
    assert.deepEqual(of("pli").map((s) => s.at), [20, 320, 620, 920]);
    assert.equal(receiver.stats.plisSent, 4);
    const pli = of("pli")[0].rtcp.packet;
    assert.deepEqual(pli, { senderSsrc: ourSsrc, mediaSsrc });
  });

  test("a keyframe asked for by the user counts against the interval", () => {
    const { clock, receiver, runUntil, feed, of } = setup();
    feed(packetizeFrames(sampleFrames.slice(5, 10)));
    clock.now = 10;
    assert.equal(receiver.requestKeyframe(), true);
    runUntil(400);
    assert.deepEqual(of("pli").map((s) => s.at), [10, 310], "ticks at 30, 50, ...");
  });

  test("no PLI before the first packet: there is no SSRC to ask", () => {
    const { receiver, runUntil, of } = setup();
    assert.equal(receiver.requestKeyframe(), false);
    runUntil(1000);
    assert.equal(of("pli").length, 0);
  });
});

describe("viewer receiver: receiver reports", () => {
  test("one RR a second on each track that received, with loss and the last SR echoed", () => {
    const { clock, receiver, runUntil, feed, of } = setup();
    const packets = packetizeFrames(sampleFrames.slice(0, 3));
    feed(packets.filter((_, i) => i !== 2));
    clock.now = 500;
    receiver.receive(
      "video",
      buildSenderReport({
        ssrc: mediaSsrc,
        ntpSeconds: 0x11112222,
        ntpFraction: 0x33334444,
        rtpTimestamp: 0,
        packetCount: 0,
        octetCount: 0,
        reports: [],
      }),
    );
    runUntil(980);
    assert.equal(of("receiverReport").length, 0, "none before a second");
    runUntil(1000);
    const reports = of("receiverReport");
    assert.deepEqual(reports.map((r) => [r.track, r.at]), [["video", 1000]], "audio got nothing");
    const rr = reports[0].rtcp.packet;
    assert.equal(rr.ssrc, ourSsrc);
    const block = rr.reports[0];
    assert.equal(block.ssrc, mediaSsrc);
    assert.equal(block.cumulativeLost, 1);
    assert.equal(block.highestSequence & 0xffff, seq(packets[packets.length - 1]));
    assert.equal(block.lastSenderReport, 0x22223333);
    assert.equal(block.delaySinceLastSenderReport, 32768, "half a second in 1/65536 s");
    runUntil(1980);
    assert.equal(of("receiverReport").length, 1);
    runUntil(2000);
    assert.equal(of("receiverReport").length, 2);
  });
});

describe("viewer receiver: the GOP the master sends again after our PLI", () => {
  // Frames 0-9, then (the master's answer to a PLI) 0-9 again with later timestamps, then 10-12.
  const stream = packetizeFrames([
    ...sampleFrames.slice(0, 10),
    ...sampleFrames.slice(0, 10),
    ...sampleFrames.slice(10, 13),
  ]);
  const before = stream.filter((p) => p.frame < 10);
  const after = stream.filter((p) => p.frame >= 10);

  test("after our PLI the repeats are skipped as repeatedFrame, then new frames go on", () => {
    const { receiver, feed, frames, repeated } = setup();
    feed(before);
    assert.equal(frames.length, 10);
    assert.equal(receiver.requestKeyframe(), true);
    feed(after);
    assert.deepEqual(repeated, frames.slice(0, 10), "frames 1-10 again");
    assert.equal(frames.length, 13, "then frames 11-13, new");
    assert.equal(receiver.stats.framesRepeated, 10);
    assert.equal(receiver.stats.frames, 13);
  });

  test("without a PLI of ours, the same GOP again is new frames (a looped file)", () => {
    const { receiver, feed, repeated } = setup();
    feed(stream);
    assert.equal(repeated.length, 0);
    assert.equal(receiver.stats.frames, 23);
  });
});

describe("viewer receiver: transport-cc feedback", () => {
  /** An RTP packet carrying transport-wide number `twcc` under extension id 3. */
  const withTwcc = (twcc: number, rtpSeq: number) => {
    const payload = new Uint8Array([0x41, 1, 2, 3]); // a non-IDR slice, single NAL unit
    const out = new Uint8Array(12 + transportWideSequenceBlockSize + payload.length);
    const header = { payloadType: 102, sequenceNumber: rtpSeq, timestamp: 0, ssrc: mediaSsrc };
    writeRtpPacket(out, { ...header, marker: true }, {
      pieces: [payload],
      size: payload.length,
      marker: true,
    }, transportWideSequenceBlockSize);
    writeTransportWideSequence(out, 12, 3, twcc);
    return out;
  };

  test("once negotiated, every ~100 ms it reports each number's arrival or loss", () => {
    const { clock, receiver, runUntil, of } = setup();
    receiver.enableTransportCc(3);
    for (const [twcc, at] of [[10, 1], [11, 3], [13, 7]]) {
      clock.now = at;
      const packet = withTwcc(twcc, twcc);
      receiver.arrived(packet);
      receiver.receive("video", packet);
    }
    runUntil(99);
    assert.equal(of("transportCc").length, 0, "not before 100 ms");
    runUntil(120);
    const feedbacks = of("transportCc");
    assert.equal(feedbacks.length, 1);
    const { track, rtcp } = feedbacks[0];
    assert.equal(track, "video");
    assert.equal(rtcp.packet.senderSsrc, ourSsrc);
    assert.equal(rtcp.packet.mediaSsrc, mediaSsrc);
    assert.equal(rtcp.packet.baseSequenceNumber, 10);
    assert.deepEqual(rtcp.packet.receiveDeltasUs, [1000, 2000, null, 4000]);
    assert.equal(receiver.stats.transportCcFeedbacks, 1);
    runUntil(400);
    assert.equal(of("transportCc").length, 1, "nothing new arrived: no feedback");
  });

  test("not negotiated: the extension is ignored and no feedback goes out", () => {
    const { receiver, runUntil, of } = setup();
    receiver.arrived(withTwcc(1, 1));
    receiver.receive("video", withTwcc(1, 1));
    runUntil(500);
    assert.equal(of("transportCc").length, 0);
    assert.equal(receiver.stats.packets, 1, "the packet itself is received");
  });
});

describe("viewer receiver: the negotiated codec", { skip: codecStreamsMissing() }, () => {
  test("a VP8 stream is depacketized as VP8 frames once the codec is set", () => {
    const frames = new IvfReader().push(vp8Ivf()).map((f) => f.data).slice(0, 20);
    const packets = packetizeWith(frames, (frame, i) => planVp8Frame(frame, i, 1188));
    const { receiver, feed, frames: out } = setup();
    receiver.video.receiveCodec("vp8");
    feed(packets);
    assert.deepEqual(out, frames);
    assert.throws(() => receiver.video.receiveCodec("h264"), /before the first packet/);
  });

  test("an H.265 stream is depacketized as H.265 access units", () => {
    const splitter = new H265AccessUnitSplitter();
    const units = splitter.push(h265Stream()).slice(0, 20);
    const packets = packetizeWith(units, (au) => planH265AccessUnit(au, findNalUnits(au), 1188));
    const { receiver, feed, frames: out } = setup();
    receiver.video.receiveCodec("h265");
    feed(packets);
    assert.deepEqual(out.map(nalUnitBytes), units.map(nalUnitBytes));
  });
});
