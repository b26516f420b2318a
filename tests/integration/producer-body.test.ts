/**
 * The producer core's PutMedia body, from the master's own frame rings (a Broadcast), read by
 * real tools: ffprobe finds every frame of the sample, and ffmpeg decodes it without an error.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { ProducerUpload } from "../../core/producer/producer-upload.ts";
import { ffmpegMissing, probeStreams } from "../helpers/ffmpeg.ts";
import { sampleFrames, sampleOpusPackets } from "../unit/support/samples.ts";

describe("producer body", { skip: ffmpegMissing() }, () => {
  test("the upload of the sample from a Broadcast is read and decoded by ffmpeg, every frame", () => {
    const broadcast = new Broadcast();
    const upload = new ProducerUpload({
      video: broadcast.video,
      audio: broadcast.audio,
      audioChannels: 2,
      startWallMs: Date.now(),
      keepsData: true,
      now: () => 0,
    });
    const body = upload.connect().start;
    broadcast.subscribe((frame) => body.push(...upload.push(frame)));
    let a = 0;
    sampleFrames.forEach((bytes, v) => {
      const timeUs = v * 33_333;
      for (; a < sampleOpusPackets.length && a * 20_000 < timeUs; a++) {
        broadcast.pushAudio(sampleOpusPackets[a], a * 20_000);
      }
      broadcast.pushVideo(bytes, timeUs);
    });
    body.push(...upload.finish());
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-producer-"));
    try {
      const path = join(dir, "body.mkv");
      writeFileSync(path, concatBytes(body));
      const streams = probeStreams(path);
      assert.deepEqual(
        streams.map((s) => [s.codec_name, Number(s.nb_read_packets)]),
        [["h264", sampleFrames.length], ["opus", a]],
      );
      const { width, height } = broadcast.sps!;
      assert.deepEqual([streams[0].width, streams[0].height], [width, height]);
      // -xerror: the first decoding error makes ffmpeg exit non-zero, and execFileSync throw.
      execFileSync("ffmpeg", ["-v", "error", "-xerror", "-i", path, "-f", "null", "-"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      upload.close();
    }
  });
});
