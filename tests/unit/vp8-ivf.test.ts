import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { isVp8Keyframe, parseVp8FrameHeader } from "../../core/vp8/frame-header.ts";
import {
  ivfFileHeader,
  type IvfFrame,
  ivfFrameHeader,
  IvfReader,
  IvfWriter,
  parseIvfFileHeader,
} from "../../core/vp8/ivf.ts";
import { vp8VideoFrame } from "../../core/vp8/video-frame.ts";
import { codecStream, codecStreamsMissing, vp8Ivf } from "./support/codec-streams.ts";

/** Reads `file` in chunks of the given sizes (cycled). */
function read(file: Uint8Array, chunkSizes: number[], reader = new IvfReader()): IvfFrame[] {
  const frames: IvfFrame[] = [];
  for (let at = 0, k = 0; at < file.length; k++) {
    const size = chunkSizes[k % chunkSizes.length];
    frames.push(...reader.push(file.subarray(at, at + size)));
    at += size;
  }
  reader.end();
  return frames;
}

describe("IVF and VP8 frame headers of a libvpx stream", { skip: codecStreamsMissing() }, () => {
  test("the file header says VP80, the size asked for and a 1/30 s timebase", () => {
    const header = parseIvfFileHeader(vp8Ivf());
    assert.deepEqual(header, {
      fourcc: "VP80",
      width: codecStream.width,
      height: codecStream.height,
      timebaseDenominator: 30,
      timebaseNumerator: 1,
      frameCount: header.frameCount,
    });
  });

  for (const chunks of [[1 << 20], [1], [5, 7, 11], [4096]]) {
    test(`reads every frame with its timestamp (chunks ${chunks})`, () => {
      const frames = read(vp8Ivf(), chunks);
      assert.equal(frames.length, codecStream.frames);
      assert.deepEqual(frames.map((f) => f.timestamp), frames.map((_, i) => i));
    });
  }

  test("finds the key frames from the frame tag, with the picture's size", () => {
    const frames = read(vp8Ivf(), [4096]);
    const gop = codecStream.gop;
    assert.deepEqual(frames.flatMap((f, i) => isVp8Keyframe(f.data) ? [i] : []), [0, gop, 2 * gop]);
    const key = parseVp8FrameHeader(frames[0].data);
    assert.deepEqual([key.keyframe, key.width, key.height, key.showFrame], [true, 320, 180, true]);
    const inter = parseVp8FrameHeader(frames[1].data);
    assert.deepEqual([inter.keyframe, inter.width], [false, undefined]);
    assert.ok(key.firstPartitionSize > 0 && key.firstPartitionSize < frames[0].data.length);
    assert.equal(vp8VideoFrame(frames[gop].data, 0).keyframe, true);
  });

  test("the writer's headers and the frames make the same file again, byte for byte", () => {
    const file = vp8Ivf();
    const reader = new IvfReader();
    const frames = reader.push(file);
    const written = concatBytes([
      ivfFileHeader(reader.header!),
      ...frames.flatMap((f) => [ivfFrameHeader(f.data.length, f.timestamp), f.data]),
    ]);
    assert.deepEqual(written, file);
  });
});

describe("IVF and VP8 errors", () => {
  const header = ivfFileHeader({
    fourcc: "VP80",
    width: 64,
    height: 48,
    timebaseDenominator: 30,
    timebaseNumerator: 1,
    frameCount: 0,
  });

  test("not IVF, or a zero timebase, is a one-line error", () => {
    assert.throws(() => new IvfReader().push(new Uint8Array(32)), /^Error: not an IVF file/);
    const zero = header.slice();
    zero[16] = 0;
    assert.throws(() => parseIvfFileHeader(zero), /timebase of 1\/0/);
  });

  test("a frame size over the bound is an error, before its bytes are held", () => {
    const reader = new IvfReader({ maxFrameBytes: 1000 });
    assert.throws(
      () => reader.push(concatBytes([header, ivfFrameHeader(5000, 0)])),
      /IVF frame of 5000 bytes exceeds 1000/,
    );
  });

  test("a stream cut inside a frame says so at its end; timestamps past 32 bits survive", () => {
    const reader = new IvfReader();
    const big = 2 ** 40 + 7;
    const frames = reader.push(concatBytes([header, ivfFrameHeader(2, big), new Uint8Array(2)]));
    assert.deepEqual(frames.map((f) => f.timestamp), [big]);
    reader.push(ivfFrameHeader(10, 1));
    assert.throws(() => reader.end(), /ends inside a frame \(12 bytes left\)/);
  });

  test("a key frame tag without the start code is not a key frame", () => {
    const tag = [0x10, 0x02, 0x00];
    assert.equal(isVp8Keyframe(new Uint8Array([...tag, 0x9d, 0x01, 0x2a, 64, 0, 48, 0])), true);
    const bad = new Uint8Array([...tag, 0x9d, 0x01, 0x2b, 64, 0, 48, 0]);
    assert.equal(isVp8Keyframe(bad), false);
    assert.throws(() => parseVp8FrameHeader(bad), /without its start code/);
    assert.throws(() => parseVp8FrameHeader(new Uint8Array(2)), /VP8 frame of 2 bytes/);
  });
});

describe("IVF writer (a viewer's --out)", { skip: codecStreamsMissing() }, () => {
  test("frames at RTP timestamps read back as the same frames, timed from the first", () => {
    const frames = new IvfReader().push(vp8Ivf()).map((f) => f.data);
    const writer = new IvfWriter();
    // 90 kHz at 30 fps from just below 2^32: the RTP timestamps wrap inside the stream.
    const rtp = (i: number) => (0xffff0000 + i * 3000) >>> 0;
    const file = concatBytes(frames.flatMap((f, i) => [...writer.before(f, rtp(i)), f]));
    const header = parseIvfFileHeader(file);
    assert.equal(header.fourcc, "VP80");
    assert.deepEqual([header.width, header.height], [codecStream.width, codecStream.height]);
    assert.deepEqual([header.timebaseNumerator, header.timebaseDenominator], [1, 90000]);
    const back = read(file, [1000]);
    assert.deepEqual(back.map((f) => f.data), frames);
    assert.deepEqual(back.map((f) => f.timestamp), frames.map((_, i) => i * 3000));
  });
});
