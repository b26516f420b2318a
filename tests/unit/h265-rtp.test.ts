import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { H265VideoIngest } from "../../core/h265/video-ingest.ts";
import type { MediaFrame } from "../../core/media/media-frame.ts";
import type { DepacketizedFrame } from "../../core/rtp/depacketizer.ts";
import { H265Depacketizer } from "../../core/rtp/h265-depacketizer.ts";
import {
  aggregationPacket,
  fragmentationUnit,
  planH265AccessUnit,
} from "../../core/rtp/h265-packetizer.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { codecStream, codecStreamsMissing, h265Stream } from "./support/codec-streams.ts";
import {
  depacketize,
  nalUnitBytes,
  packetizeWith,
  range,
  type SentPacket,
  swapPairs,
} from "./support/rtp-stream.ts";

/** A 1200-byte MTU less the 12-byte RTP header. */
const maxPayload = 1188;

/** The stream's frames as a master sends them: parameter sets before every keyframe. */
function frames(): MediaFrame[] {
  const splitter = new H265AccessUnitSplitter();
  const aus = [...splitter.push(h265Stream()), splitter.flush()!];
  const ingest = new H265VideoIngest();
  return aus.map((au, i) => ingest.frame(au, i * 33_333));
}

function packetize(list: readonly MediaFrame[], budget = maxPayload): SentPacket[] {
  return packetizeWith(
    list.map((f) => f.bytes),
    (au) => planH265AccessUnit(au, findNalUnits(au), budget),
    { firstSequenceNumber: 65_500 },
  );
}

/** Asserts the access units are the given frames: the same NAL units, 4-byte start codes. */
function assertFrames(out: DepacketizedFrame[], source: readonly MediaFrame[], indexes: number[]) {
  assert.equal(out.length, indexes.length, "number of access units");
  out.forEach((au, i) => {
    const frame = source[indexes[i]];
    assert.deepEqual(nalUnitBytes(au.data), nalUnitBytes(frame.bytes), `frame ${indexes[i]}`);
    const sizes = nalUnitBytes(au.data).reduce((sum, n) => sum + 4 + n.length, 0);
    assert.equal(au.data.length, sizes, "only 4-byte start codes");
    assert.equal(au.keyframe, frame.keyframe);
  });
}

const payloadType = (p: SentPacket) => (parseRtpPacket(p.bytes).payload[0] >> 1) & 0x3f;

describe("H.265 RTP (RFC 7798) over an x265 stream", { skip: codecStreamsMissing() }, () => {
  test("packets fit a 1200-byte MTU; parameter sets share an AP, big NAL units go in FUs", () => {
    const source = frames();
    const packets = packetize(source);
    assert.ok(packets.every((p) => p.bytes.length <= 1200));
    const keyframes = source.flatMap((f, i) => (f.keyframe ? [i] : []));
    for (const k of keyframes) {
      const first = packets.find((p) => p.frame === k)!;
      assert.equal(payloadType(first), aggregationPacket, `keyframe ${k} begins with an AP`);
    }
    assert.ok(packets.some((p) => payloadType(p) === fragmentationUnit));
    assert.ok(packets.some((p) => payloadType(p) < aggregationPacket), "single NAL unit packets");
    const markers = packets.filter((p) => parseRtpPacket(p.bytes).marker).map((p) => p.frame);
    assert.deepEqual(markers, range(0, source.length), "one marker, on each frame's last packet");
  });

  for (const budget of [maxPayload, 300]) {
    test(`gives back every access unit identical, in order (max payload ${budget})`, () => {
      const source = frames();
      const depacketizer = new H265Depacketizer();
      assertFrames(
        depacketize(depacketizer, packetize(source, budget)),
        source,
        range(0, source.length),
      );
      assert.deepEqual(depacketizer.missingSequenceNumbers(), []);
      assert.equal(depacketizer.keyframeNeeded, false);
    });
  }

  test("puts reordered packets back in order", () => {
    const source = frames();
    const packets = packetize(source);
    const reordered = swapPairs(packets);
    assertFrames(depacketize(new H265Depacketizer(), reordered), source, range(0, source.length));
  });

  test("a lost FU fragment drops its access unit and the rest up to the next keyframe", () => {
    const source = frames();
    const packets = packetize(source, 300); // small payloads: P frames go in FUs too
    const gop = codecStream.gop;
    // A middle fragment of a P frame's slice in the first GOP.
    const lost = packets.findIndex((p, i) =>
      p.frame === 3 && payloadType(p) === fragmentationUnit &&
      (parseRtpPacket(p.bytes).payload[2] & 0xc0) === 0 && i > 0
    );
    assert.ok(lost > 0, "frame 3 has a middle FU fragment");
    // Packets 1 ms apart: the broken frame is given up 50 ms after its first packet came.
    const depacketizer = new H265Depacketizer({ maxWaitMs: 50 });
    const sent = packets.filter((_, i) => i !== lost);
    const out = depacketize(depacketizer, sent);
    out.push(...depacketizer.poll(sent.length + 100));
    assertFrames(out, source, [...range(0, 3), ...range(gop, source.length)]);
    assert.ok(depacketizer.stats.droppedFrames > 0, "counted as dropped");
    assert.equal(depacketizer.keyframeNeeded, false, "the next keyframe repaired the picture");
  });

  test("an FU whose start fragment is missing is not taken for a NAL unit", () => {
    const source = frames();
    const packets = packetize(source, 300);
    const startOf = (p: SentPacket) =>
      payloadType(p) === fragmentationUnit && (parseRtpPacket(p.bytes).payload[2] & 0x80) !== 0;
    const lost = packets.findIndex((p) => p.frame === 5 && startOf(p));
    // The start fragment's sequence number goes to a padding-only packet: no hole, a broken FU.
    const padded = parseRtpPacket(packets[lost].bytes);
    const depacketizer = new H265Depacketizer();
    const out: DepacketizedFrame[] = [];
    packets.forEach((p, i) => {
      const packet = i === lost
        ? { ...padded, payload: new Uint8Array(0) }
        : parseRtpPacket(p.bytes);
      out.push(...depacketizer.push(packet, i));
    });
    const gop = codecStream.gop;
    assertFrames(out, source, [...range(0, 5), ...range(gop, source.length)]);
    assert.deepEqual(depacketizer.missingSequenceNumbers(), []);
  });
});
