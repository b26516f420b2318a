import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DepacketizedFrame } from "../../core/rtp/depacketizer.ts";
import { parseRtpPacket } from "../../core/rtp/header.ts";
import { parseVp8Descriptor, pictureIdModulus } from "../../core/rtp/vp8-descriptor.ts";
import { Vp8Depacketizer } from "../../core/rtp/vp8-depacketizer.ts";
import { planVp8Frame } from "../../core/rtp/vp8-packetizer.ts";
import { isVp8Keyframe } from "../../core/vp8/frame-header.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { codecStream, codecStreamsMissing, vp8Ivf } from "./support/codec-streams.ts";
import {
  depacketize,
  packetizeWith,
  range,
  type SentPacket,
  swapPairs,
} from "./support/rtp-stream.ts";

const maxPayload = 1188;
/** The first picture id: the ids wrap past 2^15 within the stream. */
const firstPictureId = pictureIdModulus - 20;

function frames(): Uint8Array[] {
  return new IvfReader().push(vp8Ivf()).map((f) => f.data);
}

function packetize(list: readonly Uint8Array[], budget = maxPayload): SentPacket[] {
  return packetizeWith(list, (frame, i) => planVp8Frame(frame, firstPictureId + i, budget));
}

function assertFrames(out: DepacketizedFrame[], source: readonly Uint8Array[], indexes: number[]) {
  assert.equal(out.length, indexes.length, "number of frames");
  out.forEach((frame, i) => {
    assert.deepEqual(frame.data, source[indexes[i]], `frame ${indexes[i]}`);
    assert.equal(frame.keyframe, isVp8Keyframe(source[indexes[i]]));
  });
}

const descriptorOf = (p: SentPacket) => parseVp8Descriptor(parseRtpPacket(p.bytes).payload)!;

describe("VP8 RTP (RFC 7741) over a libvpx stream", { skip: codecStreamsMissing() }, () => {
  test("S on each frame's first packet only, a 15-bit picture id that goes up by one", () => {
    const source = frames();
    const packets = packetize(source);
    assert.ok(packets.every((p) => p.bytes.length <= 1200));
    assert.ok(packets.length > source.length, "key frames take several packets");
    packets.forEach((p, i) => {
      const d = descriptorOf(p);
      assert.equal(d.start, i === 0 || packets[i - 1].frame !== p.frame, `packet ${i}`);
      assert.equal(d.partitionId, 0);
      assert.equal(d.pictureId, (firstPictureId + p.frame) % pictureIdModulus);
      assert.equal(parseRtpPacket(p.bytes).marker, packets[i + 1]?.frame !== p.frame);
    });
    assert.equal(descriptorOf(packets[packets.length - 1]).pictureId, codecStream.frames - 21);
  });

  for (const budget of [maxPayload, 200]) {
    test(`gives back every frame identical, in order (max payload ${budget})`, () => {
      const source = frames();
      const depacketizer = new Vp8Depacketizer();
      assertFrames(
        depacketize(depacketizer, packetize(source, budget)),
        source,
        range(0, source.length),
      );
      assert.equal(depacketizer.keyframeNeeded, false);
    });
  }

  test("puts reordered packets back in order", () => {
    const source = frames();
    const packets = packetize(source);
    const reordered = swapPairs(packets);
    assertFrames(depacketize(new Vp8Depacketizer(), reordered), source, range(0, source.length));
  });

  test("a lost packet drops its frame and the rest up to the next key frame", () => {
    const source = frames();
    const packets = packetize(source, 200);
    const lost = packets.findIndex((p) => p.frame === 4 && !descriptorOf(p).start);
    const depacketizer = new Vp8Depacketizer({ maxWaitMs: 50 });
    const sent = packets.filter((_, i) => i !== lost);
    const out = depacketize(depacketizer, sent);
    out.push(...depacketizer.poll(sent.length + 100));
    const gop = codecStream.gop;
    assertFrames(out, source, [...range(0, 4), ...range(gop, source.length)]);
    assert.equal(depacketizer.keyframeNeeded, false, "the next key frame repaired the picture");
  });

  test("a frame whose first packet lost its S bit is dropped, not given out cut", () => {
    const source = frames();
    const packets = packetize(source, 200);
    const first = packets.findIndex((p) => p.frame === 6);
    const depacketizer = new Vp8Depacketizer();
    const out: DepacketizedFrame[] = [];
    packets.forEach((p, i) => {
      const packet = parseRtpPacket(p.bytes);
      if (i === first) packet.payload = packet.payload.map((b, k) => (k === 0 ? b & ~0x10 : b));
      out.push(...depacketizer.push(packet, i));
    });
    assertFrames(out, source, [...range(0, 6), ...range(codecStream.gop, source.length)]);
  });
});

describe("VP8 payload descriptor", () => {
  test("reads the short and long picture id, TL0PICIDX, TID/Y and KEYIDX", () => {
    assert.deepEqual(parseVp8Descriptor(new Uint8Array([0x10, 0xaa])), {
      nonReference: false,
      start: true,
      partitionId: 0,
      size: 1,
    });
    const full = parseVp8Descriptor(new Uint8Array([0xa1, 0xf0, 0x81, 0x23, 0x05, 0x6b, 0xff]));
    assert.deepEqual(full, {
      nonReference: true,
      start: false,
      partitionId: 1,
      pictureId: 0x123,
      tl0PicIdx: 5,
      temporalLayerId: 1,
      layerSync: true,
      keyIndex: 11,
      size: 6,
    });
    assert.equal(parseVp8Descriptor(new Uint8Array([0x80, 0x80, 0x17]))?.pictureId, 0x17);
  });

  test("a payload that ends inside its descriptor is told apart", () => {
    for (const bytes of [[], [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x80, 0x40]]) {
      assert.equal(parseVp8Descriptor(new Uint8Array(bytes)), undefined, `${bytes}`);
    }
  });

  test("the packetizer refuses a budget with no room for the frame", () => {
    assert.throws(() => planVp8Frame(new Uint8Array(10), 0, 4), /too small for a VP8/);
  });
});
