import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Broadcast } from "../../core/media/broadcast.ts";
import { FrameRing } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { SenderTimeline } from "../../core/media/receive/sender-timeline.ts";
import { TrackSender } from "../../core/media/track-sender.ts";
import { isRtcp } from "../../core/rtcp/header.ts";
import { buildPli } from "../../core/rtcp/pli.ts";
import { buildSenderReport, ntpTime, parseSenderReport } from "../../core/rtcp/sender-report.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { FakeTurns } from "./support/fake-turns.ts";
import { sampleFrames, sampleOpusPackets } from "./support/samples.ts";

const unixStart = 1_700_000_000_000;

describe("sender timeline (RTP times on the sender's clock)", () => {
  const report = (unixMs: number, rtpTimestamp: number) =>
    parseSenderReport(buildSenderReport({
      ssrc: 1,
      ...ntpTime(unixMs),
      rtpTimestamp,
      packetCount: 0,
      octetCount: 0,
      reports: [],
    }));

  test("nothing is mapped before the first sender report", () => {
    assert.equal(new SenderTimeline(90000).unixMs(1234), undefined);
  });

  test("an RTP time maps through the newest report, before or after it, across a wrap", () => {
    const timeline = new SenderTimeline(90000);
    timeline.report(report(unixStart, 0xffffff00));
    const at = (rtp: number) => timeline.unixMs(rtp)! - unixStart;
    assert.ok(Math.abs(at(0xffffff00)) < 0.001);
    assert.ok(Math.abs(at((0xffffff00 + 90000) >>> 0) - 1000) < 0.001, "a second on, wrapped");
    assert.ok(Math.abs(at(0xffffff00 - 9000) + 100) < 0.001, "before the report");
    timeline.report(report(unixStart + 5000, 0));
    assert.ok(Math.abs(at(4500) - 5050) < 0.001, "the newest report counts");
  });
});

describe("lip sync: sender reports put both tracks on the master's media clock", () => {
  /** A video and an audio sender on one fake clock, their reports from one live media time. */
  function master() {
    let clock = 0;
    const turns = new FakeTurns(() => clock, (ms) => (clock = ms));
    const liveMediaTimeUs = () => clock * 1000;
    const senderClock = { now: () => clock, unixNow: () => unixStart + clock };
    const track = (kind: "video" | "audio", clockRate: number, initialTimestamp: number) => {
      const ring = new FrameRing(kind, { windowUs: 2_000_000 });
      const sent: Uint8Array[] = [];
      const sender = new TrackSender({
        ring,
        ssrc: clockRate,
        payloadType: 96,
        clockRate,
        send: (p) => (sent.push(p.slice()), true),
        clock: senderClock,
        turns: turns.schedule,
        liveMediaTimeUs,
        initialTimestamp,
      });
      sender.start();
      return { ring, sender, sent, timeline: new SenderTimeline(clockRate) };
    };
    return {
      video: track("video", 90000, 0x10000000),
      audio: track("audio", 48000, 0xfffff000),
      runUntil: (ms: number) => turns.runUntil(ms),
    };
  }

  test("a frame of each track at the same media time maps to the same sender time", () => {
    const m = master();
    // Video goes out on time; audio 300 ms late, in a burst: its reports must not follow that.
    for (let ms = 0; ms < 2000; ms += 20) {
      m.runUntil(ms);
      if (ms % 40 === 0) {
        m.video.ring.push(videoFrame(sampleFrames[(ms / 40) % sampleFrames.length], ms * 1000));
        m.video.sender.pump();
      }
      if (ms >= 300) {
        const lateMs = ms - 300;
        m.audio.ring.push(audioFrame(sampleOpusPackets[0], lateMs * 1000));
        m.audio.sender.pump();
      }
      if (ms === 1000) {
        for (const t of [m.video, m.audio]) {
          t.timeline.report(parseSenderReport(t.sender.senderReport()!));
        }
      }
    }
    const timeOf = (t: typeof m.video, mediaMs: number) => {
      const first = parseRtpPacket(t.sent[0]).timestamp;
      const rate = t === m.video ? 90 : 48;
      return t.timeline.unixMs((first + mediaMs * rate) >>> 0)!;
    };
    for (const mediaMs of [0, 400, 1200]) {
      const apart = timeOf(m.audio, mediaMs) - timeOf(m.video, mediaMs);
      assert.ok(Math.abs(apart) < 1, `media ${mediaMs} ms: audio ${apart} ms from video`);
    }
  });

  test("a restart (PLI) shifts video timestamps on, and a sender report says so at once", () => {
    const m = master();
    const { video } = m;
    const feed = (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        m.runUntil(n * 40);
        video.ring.push(videoFrame(sampleFrames[n % sampleFrames.length], n * 40_000));
        video.sender.pump();
      }
    };
    feed(0, 45); // keyframes at frames 0 and 30
    const reports = () => video.sent.filter(isRtcp);
    assert.equal(reports().length, 0, "no report before the restart");
    video.sender.handleRtcp(buildPli({ senderSsrc: 1, mediaSsrc: 90000 }));
    feed(45, 60);
    assert.equal(video.sender.stats.keyframeRestarts, 1);
    assert.equal(reports().length, 1, "one report, at the restart");
    video.timeline.report(parseSenderReport(reports()[0]));
    const rtp = video.sent.filter((p) => !isRtcp(p)).map(parseRtpPacket);
    const newestMs = video.timeline.unixMs(rtp.at(-1)!.timestamp)! - unixStart;
    assert.ok(Math.abs(newestMs - 59 * 40) < 1, `the newest frame maps to ${newestMs} ms`);
  });
});

describe("a broadcast's live media time", () => {
  test("is its first frame's time when it came, either track, and runs on with the clock", () => {
    let now = 5000;
    const broadcast = new Broadcast({ now: () => now });
    assert.equal(broadcast.liveMediaTimeUs(), undefined, "before any frame");
    broadcast.pushAudio(sampleOpusPackets[0], 200_000);
    now += 300;
    broadcast.pushVideo(sampleFrames[0], 250_000); // a late video frame moves nothing
    assert.equal(broadcast.liveMediaTimeUs(), 500_000);
  });
});
