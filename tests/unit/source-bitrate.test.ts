import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { declaredBitrate } from "../../core/media/source-bitrate.ts";
import { formatBandwidthStatus } from "../../cli/bandwidth-status.ts";

const lavfi = "-re -f lavfi -i testsrc2=size=320x180:rate=30";

describe("the bitrate a spawned source's arguments name", () => {
  for (
    const [spec, bps, from] of [
      [`ffmpeg: ${lavfi} -c:v libx264 -b:v 1M -f h264 -`, 1_000_000, "ffmpeg -b:v 1M"],
      [`ffmpeg: ${lavfi} -c:v libx264 -b:v 500k`, 500_000, "ffmpeg -b:v 500k"],
      [`ffmpeg: ${lavfi} -b:v:0 2.5M`, 2_500_000, "ffmpeg -b:v:0 2.5M"],
      [`ffmpeg: ${lavfi} -b:v 750000`, 750_000, "ffmpeg -b:v 750000"],
      [
        "gst: videotestsrc ! x264enc tune=zerolatency bitrate=1500 ! h264parse",
        1_500_000,
        "x264enc bitrate=1500",
      ],
      ["gst: videotestsrc ! x264enc pass=cbr bitrate=800 ! fdsink", 800_000, "x264enc bitrate=800"],
      [
        "gst: videotestsrc ! openh264enc bitrate=600000 ! h264parse",
        600_000,
        "openh264enc bitrate=600000",
      ],
    ] as const
  ) {
    test(`${from} from ${spec}`, () => {
      assert.deepEqual(declaredBitrate(spec), { bps, from });
    });
  }

  for (
    const [why, spec] of [
      ["no bitrate named", `ffmpeg: ${lavfi} -c:v libx264 -crf 23`],
      ["a stream copied, not encoded", "ffmpeg: -i cam.mkv -c:v copy -b:v 1M"],
      ["a value in a form not certain", `ffmpeg: ${lavfi} -b:v 1Mi`],
      ["a value that is no number", `ffmpeg: ${lavfi} -b:v fast`],
      ["two outputs at different rates", `ffmpeg: ${lavfi} -b:v 1M -f h264 a -b:v 2M`],
      ["the -b:v option with no value", `ffmpeg: ${lavfi} -b:v`],
      ["an audio bitrate only", `ffmpeg: ${lavfi} -b:a 64k`],
      ["an encoder's default bitrate", "gst: videotestsrc ! x264enc tune=zerolatency ! h264parse"],
      ["a quality-based pass", "gst: videotestsrc ! x264enc pass=qual bitrate=900 ! h264parse"],
      ["a property of another element", "gst: videotestsrc ! queue bitrate=900 ! x264enc"],
      ["an encoder not known", "gst: videotestsrc ! someenc bitrate=900 ! h264parse"],
      ["a zero bitrate", "gst: videotestsrc ! x264enc bitrate=0"],
      ["two encoders", "gst: videotestsrc ! x264enc bitrate=900 ! tee ! x264enc bitrate=400"],
      ["not a spawned source", "frames/"],
    ] as const
  ) {
    test(`nothing for ${why}`, () => assert.equal(declaredBitrate(spec), undefined));
  }
});

describe("the master's bandwidth status line", () => {
  const declared = { bps: 1_000_000, from: "ffmpeg -b:v 1M" };

  test("the viewers' range beside the source's named bitrate, and how many are below it", () => {
    assert.equal(
      formatBandwidthStatus([2_400_000, 800_000, 1_500_000], 950_000, declared),
      "bandwidth: 3 viewers can take 0.80-2.40 Mbit/s; source 1.00 Mbit/s (ffmpeg -b:v 1M); " +
        "1 below it",
    );
  });

  test("without a named bitrate, the measured one, said to be measured", () => {
    assert.equal(
      formatBandwidthStatus([2_000_000], 950_000, undefined),
      "bandwidth: 1 viewer can take 2.00 Mbit/s; stream 0.95 Mbit/s (measured: the source " +
        "names no bitrate)",
    );
  });

  test("nothing without an estimate", () => {
    assert.equal(formatBandwidthStatus([], 950_000, declared), undefined);
  });
});
