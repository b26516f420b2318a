/**
 * RTP in: the header parser (a plain Error for a malformed packet), the H.264 depacketizer fed
 * packets with mutated payloads and shuffled sequence numbers (never throws; its bounds hold),
 * and a viewer's whole receive chain, video and audio, RTP and RTCP, on a fake clock.
 */
import { ViewerReceiver } from "../../../core/media/receive/viewer-receiver.ts";
import { buildSenderReport } from "../../../core/rtcp/sender-report.ts";
import type { DepacketizerOptions, RtpDepacketizer } from "../../../core/rtp/depacketizer.ts";
import { H264Depacketizer } from "../../../core/rtp/h264-depacketizer.ts";
import {
  parseHeaderExtensionElements,
  parseRtpPacket,
  type RtpPacket,
  serializeRtpPacket,
} from "../../../core/rtp/header.ts";
import { inBiggerBuffer, mutateBytes, mutatedSeed } from "../mutate.ts";
import type { Rng } from "../prng.ts";
import { audioPackets, videoPackets } from "../seeds.ts";
import { type FuzzTarget, invariant, isPlainError, nothingThrown, showBytes } from "../target.ts";

/** RTP packets with header extensions (one- and two-byte form), CSRCs and padding. */
const headerSeeds = () => [
  ...videoPackets().slice(0, 4),
  serializeRtpPacket({
    marker: true,
    payloadType: 102,
    sequenceNumber: 1,
    timestamp: 2,
    ssrc: 3,
    csrcs: [4, 5],
    extension: { profile: 0xbede, data: new Uint8Array([0x10, 0xaa, 0x21, 1, 2, 0, 0, 0]) },
    paddingSize: 3,
    payload: new Uint8Array([0x65, 1, 2, 3]),
  }),
  serializeRtpPacket({
    marker: false,
    payloadType: 111,
    sequenceNumber: 65535,
    timestamp: 0xffffffff,
    ssrc: 0,
    extension: { profile: 0x1000, data: new Uint8Array([1, 2, 9, 9, 2, 0, 0, 0]) },
    payload: new Uint8Array([0xfc]),
  }),
];

export const rtpHeader: FuzzTarget<Uint8Array> = {
  name: "rtp-header",
  input: (rng) => mutatedSeed(headerSeeds(), rng),
  run(bytes) {
    const packet = parseRtpPacket(bytes);
    if (packet.extension) parseHeaderExtensionElements(packet.extension);
  },
  deliberate: isPlainError,
  show: showBytes,
};

interface DepacketizerCase {
  packets: RtpPacket[];
  steps: number[];
  window: number;
}

const parsedVideo = () => videoPackets().map(parseRtpPacket);

/**
 * A depacketizer fed runs of a stream's packets: some payloads mutated, some packets reordered,
 * lost, repeated or renumbered; a small window in some cases, so its bounds are reached. It
 * never throws, and its bounds hold.
 */
export function depacketizerTarget(
  name: string,
  seedPackets: () => RtpPacket[],
  create: (options: DepacketizerOptions) => RtpDepacketizer,
  prepare?: () => Promise<void>,
): FuzzTarget<DepacketizerCase> {
  return {
    name,
    prepare,
    input(rng) {
      const stream = seedPackets();
      const start = rng.chance(0.5) ? 0 : rng.below(stream.length);
      const packets: RtpPacket[] = [];
      for (let i = start; i < Math.min(stream.length, start + 5 + rng.below(80)); i++) {
        if (rng.chance(0.05)) continue;
        let packet = stream[i];
        if (rng.chance(0.15)) packet = { ...packet, payload: mutateBytes(packet.payload, rng) };
        if (rng.chance(0.05)) packet = { ...packet, sequenceNumber: rng.below(0x10000) };
        if (rng.chance(0.05)) packet = { ...packet, timestamp: rng.next() };
        if (rng.chance(0.05)) packet = { ...packet, marker: !packet.marker };
        packets.push(packet);
        if (rng.chance(0.05)) packets.push(packet);
        if (rng.chance(0.1) && packets.length > 1) {
          const j = rng.below(packets.length);
          [packets[j], packets[packets.length - 1]] = [packets[packets.length - 1], packets[j]];
        }
      }
      return {
        packets,
        steps: packets.map(() => (rng.chance(0.05) ? 1500 : rng.below(40))),
        window: rng.pick([32, 64, 2048]),
      };
    },
    run({ packets, steps, window }) {
      const depacketizer = create({
        maxBufferedPackets: window,
        maxBufferedBytes: window * 600,
        maxAccessUnitBytes: 40_000,
      });
      let now = 0;
      packets.forEach((packet, i) => {
        now += steps[i];
        depacketizer.push(packet, now);
        invariant(depacketizer.bufferedPackets <= window, "more packets held than the window");
        invariant(depacketizer.missingSequenceNumbers().length <= window, "missing list too long");
      });
      depacketizer.poll(now + 10_000);
    },
    deliberate: nothingThrown,
    show: (c) => `${c.packets.length} packets, window ${c.window}`,
  };
}

export const h264Depacketizer = depacketizerTarget(
  "h264-depacketizer",
  parsedVideo,
  (options) => new H264Depacketizer(options),
);

interface ReceiverCase {
  events: { track: "video" | "audio" | "tick"; bytes?: Uint8Array; stepMs: number }[];
}

/** RTCP a sender sends a viewer (sender reports of each track), as seeds. */
const senderReports = () =>
  [0x1234, 0x5678].map((ssrc) =>
    buildSenderReport({
      ssrc,
      ntpSeconds: 3_900_000_000,
      ntpFraction: 0,
      rtpTimestamp: 0,
      packetCount: 10,
      octetCount: 1000,
      reports: [],
    })
  );

export const viewerReceiver: FuzzTarget<ReceiverCase> = {
  name: "viewer-receiver",
  input(rng) {
    const video = videoPackets();
    const audio = audioPackets();
    const reports = senderReports();
    let v = rng.chance(0.5) ? 0 : rng.below(video.length);
    let a = rng.below(audio.length);
    const events: ReceiverCase["events"] = [];
    for (let n = 5 + rng.below(60); n > 0; n--) {
      const stepMs = rng.chance(0.03) ? 2000 : rng.below(30);
      const kind = rng.below(10);
      if (kind < 6 && v < video.length) {
        events.push({ track: "video", bytes: maybeMutated(video[v++], rng), stepMs });
      } else if (kind < 8) {
        events.push({
          track: "audio",
          bytes: maybeMutated(audio[a++ % audio.length], rng),
          stepMs,
        });
      } else if (kind < 9) {
        const track = rng.chance(0.5) ? "video" : "audio";
        events.push({ track, bytes: maybeMutated(rng.pick(reports), rng, 0.6), stepMs });
      } else {
        events.push({ track: "tick", stepMs });
      }
    }
    return { events };
  },
  run({ events }) {
    let now = 1000;
    const receiver = new ViewerReceiver({
      ssrc: 1,
      now: () => now,
      videoClockRate: 90_000,
      audioClockRate: 48_000,
      send: () => true,
      events: { frame() {}, repeatedFrame() {}, audio() {} },
    });
    for (const event of events) {
      now += event.stepMs;
      if (event.track === "tick") receiver.tick();
      else receiver.receive(event.track, event.bytes!);
    }
    receiver.tick();
    receiver.requestKeyframe();
    receiver.stats;
  },
  deliberate: nothingThrown,
  show: (c) => c.events.map((e) => e.bytes ? showBytes(e.bytes).slice(4, 64) : "tick").join(" "),
};

function maybeMutated(bytes: Uint8Array, rng: Rng, p = 0.15): Uint8Array {
  return rng.chance(p) ? inBiggerBuffer(mutateBytes(bytes, rng), rng) : bytes;
}
