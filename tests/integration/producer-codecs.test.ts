/**
 * `kvsrtc producer` uploads H.265 and VP8 to `kvsrtc serve`: the H.265 stream reads back through
 * GetMedia as HEVC (ffprobe) with every frame, each NAL unit as the source had it, and its HLS
 * session (fMP4 and MPEG-TS) decodes every frame in ffmpeg; a VP8 stream is stored as V_VP8,
 * and its HLS session is refused with AWS's UnsupportedStreamMediaTypeException.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetDataEndpointCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  UnsupportedStreamMediaTypeException,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { localCredentialPair } from "../../adapters/local/mod.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { H265VideoIngest } from "../../core/h265/video-ingest.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { decodedFrames, run } from "../helpers/archived-media.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { readStreamBack } from "../helpers/stream-readback.ts";
import {
  codecStream,
  codecStreamsMissing,
  h265Stream,
  vp8Ivf,
} from "../unit/support/codec-streams.ts";

const region = "us-west-2";

/** The source's frames as the producer sends them (keyframes with VPS, SPS and PPS), as NAL units. */
function h265Units(): Uint8Array[][] {
  const splitter = new H265AccessUnitSplitter();
  const ingest = new H265VideoIngest();
  return [...splitter.push(h265Stream()), splitter.flush()!].map((au, i) => {
    const bytes = ingest.frame(au, i).bytes;
    return findNalUnits(bytes).map((n) => bytes.subarray(n.offset, n.offset + n.length));
  });
}

describe("kvsrtc producer with H.265 and VP8 sources", { skip: codecStreamsMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-producer-codecs-"));
  let serve: KvsrtcProcess;
  let url = "";
  before(async () => {
    writeFileSync(join(dir, "camera.h265"), h265Stream());
    writeFileSync(join(dir, "camera.ivf"), vp8Ivf());
    serve = runKvsrtc(["serve", "--port", "0"]);
    [, url] = await serve.waitFor(/local KVS endpoint at (http:\/\/\S+)/, 20_000);
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function produce(stream: string, source: string) {
    const p = runKvsrtc([
      "producer",
      ...["--endpoint-url", url, "--region", region, "--stream", stream, "--create-stream"],
      ...["--source", source, "--duration", "5"],
    ]);
    assert.equal(await p.exited, 0, p.output.stderr);
  }

  /** An ON_DEMAND session from `fromMs` (the first fragment's producer timestamp) on. */
  async function hlsUrl(
    stream: string,
    ContainerFormat: "FRAGMENTED_MP4" | "MPEG_TS",
    fromMs: number,
  ) {
    const config = { region, credentials: localCredentialPair };
    const kvs = new KinesisVideoClient({ ...config, endpoint: url });
    const { DataEndpoint } = await kvs.send(
      new GetDataEndpointCommand({ StreamName: stream, APIName: "GET_HLS_STREAMING_SESSION_URL" }),
    );
    const archived = new KinesisVideoArchivedMediaClient({ ...config, endpoint: DataEndpoint });
    const { HLSStreamingSessionURL } = await archived.send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: stream,
        PlaybackMode: "ON_DEMAND",
        ContainerFormat,
        HLSFragmentSelector: {
          FragmentSelectorType: "PRODUCER_TIMESTAMP",
          TimestampRange: {
            StartTimestamp: new Date(fromMs),
            EndTimestamp: new Date(fromMs + 60_000),
          },
        },
      }),
    );
    return HLSStreamingSessionURL!;
  }

  test("H.265: GetMedia is HEVC with every frame as sent; HLS decodes every frame", async () => {
    await produce("h265", join(dir, "camera.h265"));
    const back = await readStreamBack(url, region, localCredentialPair, "h265");
    const source = h265Units();
    assert.equal(back.video.length, source.length, "every frame of the source");
    back.video.forEach((frame, i) => {
      const want = source[i % source.length];
      assert.equal(frame.nalUnits.length, want.length, `frame ${i} NAL units`);
      frame.nalUnits.forEach((unit, u) =>
        assert.ok(Buffer.from(unit).equals(Buffer.from(want[u])), `frame ${i} unit ${u}`)
      );
    });
    const file = join(dir, "h265.mkv");
    writeFileSync(file, back.bytes);
    const { stdout } = await run("ffprobe", [
      ...["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0"],
      file,
    ]);
    assert.equal(stdout.trim(), "hevc,320,180");
    const playlist = await (await fetch(
      await hlsUrl("h265", "FRAGMENTED_MP4", back.producerTimestampsMs[0]),
    )).text();
    assert.match(playlist, /RESOLUTION=320x180/);
    assert.match(playlist, /CODECS="hvc1\.1\.6\.L\d+\.90"/);
    for (const container of ["FRAGMENTED_MP4", "MPEG_TS"] as const) {
      assert.deepEqual(
        await decodedFrames(await hlsUrl("h265", container, back.producerTimestampsMs[0])),
        { hevc: back.video.length },
        container,
      );
    }
  });

  test("VP8: stored as V_VP8; HLS refuses it as AWS does", async () => {
    await produce("vp8", join(dir, "camera.ivf"));
    const back = await readStreamBack(url, region, localCredentialPair, "vp8");
    const file = join(dir, "vp8.mkv");
    writeFileSync(file, back.bytes);
    const { stdout } = await run("ffprobe", [
      ...["-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames"],
      ...["-of", "csv=p=0", file],
    ]);
    const [codec, frames] = stdout.trim().split(",");
    assert.equal(codec, "vp8");
    assert.equal(Number(frames), codecStream.frames, "every frame of the source");
    const refused = await hlsUrl("vp8", "FRAGMENTED_MP4", back.producerTimestampsMs[0]).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(refused instanceof UnsupportedStreamMediaTypeException, String(refused));
    assert.match(refused.message, /V_VP8/);
  });
});
