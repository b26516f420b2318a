import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Broadcast } from "../../core/media/broadcast.ts";
import { payloadPlans } from "../../core/media/send/payload-plans.ts";
import { parseVideoCodec } from "../../core/media/video-codec.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { isH265Keyframe } from "../../core/h265/access-unit.ts";
import { h265NalType, isIrapType } from "../../core/h265/nal-unit.ts";
import { parseVp8Descriptor } from "../../core/rtp/vp8-descriptor.ts";
import { isVp8Keyframe } from "../../core/vp8/frame-header.ts";
import { IvfReader } from "../../core/vp8/ivf.ts";
import { sampleFrames } from "./support/samples.ts";
import { codecStream, codecStreamsMissing, h265Stream, vp8Ivf } from "./support/codec-streams.ts";

const skip = codecStreamsMissing();
const frameUs = 33_333;

function h265AccessUnits(): Uint8Array[] {
  const splitter = new H265AccessUnitSplitter();
  return [...splitter.push(h265Stream()), splitter.flush()!];
}

describe("media frames by codec", { skip }, () => {
  test("an H.265 frame's keyframe flag is its IRAP picture, with VPS, SPS and PPS in front", () => {
    const broadcast = new Broadcast();
    const units = h265AccessUnits();
    const frames = units.map((au, i) => broadcast.pushVideo(au, i * frameUs, "h265"));
    assert.equal(broadcast.videoCodec, "h265");
    assert.equal(broadcast.h265Sps?.width, codecStream.width);
    const keyframes = frames.filter((f) => f.keyframe).map((f) => f.index);
    assert.deepEqual(keyframes, [0, 15, 30], "one IRAP picture every GOP");
    for (const frame of frames) {
      assert.equal(frame.codec, "h265");
      assert.equal(frame.keyframe, isH265Keyframe(frame.bytes, frame.nalUnits));
      if (!frame.keyframe) continue;
      const types = frame.nalUnits.map((n) => h265NalType(frame.bytes[n.offset]));
      assert.deepEqual(types.slice(0, 3), [32, 33, 34], `frame ${frame.index}: VPS, SPS, PPS`);
    }
  });

  test("H.265 frames are planned as RFC 7798 payloads; their NAL units are all planned", () => {
    const broadcast = new Broadcast();
    const [first] = h265AccessUnits();
    const frame = broadcast.pushVideo(first, 0, "h265");
    const plans = payloadPlans(frame, 1188);
    assert.ok(plans.every((p) => p.size <= 1188));
    const payloadTypes = plans.map((p) => h265NalType(p.pieces[0][0]));
    assert.equal(payloadTypes[0], 48, "the parameter sets share an aggregation packet");
    assert.ok(payloadTypes.includes(49), "the IRAP picture is cut into fragmentation units");
    assert.ok(isIrapType(h265NalType(frame.bytes[frame.nalUnits.at(-1)!.offset])));
    assert.equal(plans.at(-1)!.marker, true);
  });

  test("a VP8 frame's keyframe flag is its frame tag; its picture id is its place in the ring", () => {
    const broadcast = new Broadcast({ videoCodec: "vp8" });
    const ivf = new IvfReader().push(vp8Ivf());
    const frames = ivf.map((f, i) => broadcast.pushVideo(f.data, i * frameUs, "vp8"));
    assert.deepEqual(frames.filter((f) => f.keyframe).map((f) => f.index), [0, 15, 30]);
    for (const frame of frames) {
      assert.equal(frame.keyframe, isVp8Keyframe(frame.bytes));
      assert.deepEqual(frame.nalUnits, []);
      const plans = payloadPlans(frame, 1188);
      const descriptor = parseVp8Descriptor(Uint8Array.from(plans[0].pieces[0]))!;
      assert.equal(descriptor.pictureId, frame.index);
      assert.equal(descriptor.start, true);
      assert.equal(plans.reduce((n, p) => n + p.pieces[1].length, 0), frame.bytes.length);
    }
  });
});

describe("a broadcast's codec", () => {
  test("is the first frame's, and a frame in another codec is refused", () => {
    const broadcast = new Broadcast();
    assert.equal(broadcast.videoCodec, undefined);
    broadcast.pushVideo(sampleFrames[0], 0);
    assert.equal(broadcast.videoCodec, "h264");
    assert.throws(
      () => broadcast.pushVideo(Uint8Array.of(0x9d, 1, 2), frameUs, "vp8"),
      /a VP8 frame in a H\.264 stream/,
    );
    assert.equal(broadcast.video.newest?.index, 0, "nothing of it entered the ring");
  });

  test("is the one it was made with before any frame", () => {
    const broadcast = new Broadcast({ videoCodec: "h265" });
    assert.equal(broadcast.videoCodec, "h265");
    assert.throws(() => broadcast.pushVideo(sampleFrames[0], 0), /H\.264 frame in a H\.265/);
  });

  test("names on a command line", () => {
    assert.equal(parseVideoCodec("H265"), "h265");
    assert.equal(parseVideoCodec("hevc"), "h265");
    assert.equal(parseVideoCodec("vp8"), "vp8");
    assert.equal(parseVideoCodec("vp9"), undefined);
  });
});
