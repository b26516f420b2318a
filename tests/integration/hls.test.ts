/**
 * HLS through the official archived-media client: GetHLSStreamingSessionURL's URL read by
 * ffmpeg, every uploaded frame decoded, for fMP4 and MPEG-TS, ON_DEMAND, LIVE_REPLAY and LIVE;
 * the playlists AWS serves; expired tokens and the typed errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  GetDASHStreamingSessionURLCommand,
  GetHLSStreamingSessionURLCommand,
  type GetHLSStreamingSessionURLCommandInput,
  InvalidArgumentException,
  NoDataRetentionException,
  ResourceNotFoundException,
  UnsupportedStreamMediaTypeException,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { ffmpegMissing } from "../helpers/ffmpeg.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import {
  createTestStream,
  decodedFrames,
  run,
  type TestStream,
  uploadFragments,
} from "../helpers/archived-media.ts";

const seconds = (ms: number) => new Date(ms);

async function sessionUrl(
  stream: TestStream,
  input: Omit<GetHLSStreamingSessionURLCommandInput, "StreamName">,
): Promise<string> {
  const { HLSStreamingSessionURL } = await stream.archivedMedia.send(
    new GetHLSStreamingSessionURLCommand({ StreamName: stream.name, ...input }),
  );
  assert.ok(HLSStreamingSessionURL, "a session URL");
  return HLSStreamingSessionURL;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof Error, "expected the call to fail");
  return error;
}

describe("HLS streaming sessions", { skip: ffmpegMissing() }, () => {
  let endpoint: LocalEndpoint;
  let video: TestStream;
  let withOpus: TestStream;
  const startMs = 1_700_000_000_000;
  const plain = sampleFragments({ startMs, seconds: 4 });
  const opus = sampleFragments({ startMs, seconds: 4, audio: true });
  const videoFrames = plain.frames.length;
  const opusFrames = opus.frames.filter((f) => f.track === 2).length;
  const wholeRange = {
    FragmentSelectorType: "PRODUCER_TIMESTAMP" as const,
    TimestampRange: { StartTimestamp: seconds(startMs), EndTimestamp: seconds(startMs + 60_000) },
  };

  before(async () => {
    endpoint = await startLocalEndpoint();
    video = await createTestStream(endpoint, "hls-video", "GET_HLS_STREAMING_SESSION_URL");
    withOpus = await createTestStream(endpoint, "hls-opus", "GET_HLS_STREAMING_SESSION_URL");
    await uploadFragments(endpoint, video, plain.fragments);
    await uploadFragments(endpoint, withOpus, opus.fragments);
  });
  after(() => endpoint.stop());

  for (const container of ["FRAGMENTED_MP4", "MPEG_TS"] as const) {
    test(`ON_DEMAND ${container}: ffmpeg decodes every uploaded frame`, async () => {
      const url = await sessionUrl(video, {
        PlaybackMode: "ON_DEMAND",
        ContainerFormat: container,
        HLSFragmentSelector: wholeRange,
      });
      assert.match(url, /\/hls\/v1\/getHLSMasterPlaylist\.m3u8\?SessionToken=/);
      assert.deepEqual(await decodedFrames(url), { h264: videoFrames });
    });
  }

  test("ON_DEMAND fMP4 with Opus: the local endpoint plays Opus too, every packet", async () => {
    const url = await sessionUrl(withOpus, {
      PlaybackMode: "ON_DEMAND",
      HLSFragmentSelector: wholeRange,
    });
    assert.deepEqual(await decodedFrames(url), { h264: videoFrames, opus: opusFrames });
  });

  test("MPEG_TS with Opus is refused as AWS refuses a non-AAC stream", async () => {
    const error = await rejection(sessionUrl(withOpus, {
      PlaybackMode: "ON_DEMAND",
      ContainerFormat: "MPEG_TS",
      HLSFragmentSelector: wholeRange,
    }));
    assert.ok(error instanceof UnsupportedStreamMediaTypeException, String(error));
  });

  test("LIVE_REPLAY (TS): replayed from StartTimestamp until EndTimestamp, every frame", async () => {
    const url = await sessionUrl(video, {
      PlaybackMode: "LIVE_REPLAY",
      ContainerFormat: "MPEG_TS",
      HLSFragmentSelector: wholeRange,
      MaxMediaPlaylistFragmentResults: 2,
    });
    assert.deepEqual(await decodedFrames(url), { h264: videoFrames });
  });

  test("the playlists are AWS's: master, media with init, timestamps, ENDLIST", async () => {
    const url = await sessionUrl(video, {
      PlaybackMode: "ON_DEMAND",
      HLSFragmentSelector: wholeRange,
      DisplayFragmentTimestamp: "ALWAYS",
    });
    const master = await (await fetch(url)).text();
    assert.match(master, /^#EXTM3U\n/);
    assert.match(master, /CODECS="avc1\.[0-9a-f]{6}"/);
    const mediaPath = master.split("\n").find((line) => line.startsWith("getHLSMediaPlaylist"));
    const media = await fetch(new URL(mediaPath!, url));
    assert.equal(media.headers.get("content-type"), "application/vnd.apple.mpegurl");
    const text = await media.text();
    assert.match(text, /#EXT-X-MAP:URI="getMP4InitFragment\.mp4\?SessionToken=/);
    assert.equal(text.match(/^#EXTINF:/gm)?.length, plain.fragments.length);
    assert.equal(
      text.match(/^getMP4MediaFragment\.mp4\?FragmentNumber=\d+&SessionToken=/gm)?.length,
      plain.fragments.length,
    );
    assert.match(text, new RegExp(`#EXT-X-PROGRAM-DATE-TIME:${new Date(startMs).toISOString()}`));
    assert.match(text, /#EXT-X-ENDLIST\n$/);
  });

  test("LIVE follows fragments uploaded after the session starts", async () => {
    const live = await createTestStream(endpoint, "hls-live", "GET_HLS_STREAMING_SESSION_URL");
    const upload = sampleFragments({ startMs: Date.now() - 10_000, seconds: 8 });
    const [first, ...later] = upload.fragments;
    await uploadFragments(endpoint, live, [first]);
    const url = await sessionUrl(live, {
      PlaybackMode: "LIVE",
      HLSFragmentSelector: { FragmentSelectorType: "PRODUCER_TIMESTAMP" },
      MaxMediaPlaylistFragmentResults: 10,
    });
    const listed = async () => {
      const master = await (await fetch(url)).text();
      const mediaPath = master.split("\n").find((l) => l.startsWith("getHLSMediaPlaylist"));
      const media = await (await fetch(new URL(mediaPath!, url))).text();
      assert.doesNotMatch(media, /ENDLIST/, "a LIVE playlist never ends");
      return media.match(/^#EXTINF:/gm)?.length ?? 0;
    };
    assert.equal(await listed(), 1);
    // ffmpeg plays a few fragments behind the live edge: it is asked for the frames of the
    // first half, all but the first uploaded after it started reading.
    const wanted = upload.fragments.slice(0, 4).reduce((n, f) => n + f.frames.length, 0);
    const reading = run("ffmpeg", [
      "-v",
      "error",
      "-stats",
      "-live_start_index",
      "0",
      "-i",
      url,
      "-frames:v",
      String(wanted),
      "-f",
      "null",
      "-",
    ], 60_000);
    // Uploaded as a producer sends them: one fragment a second.
    for (const fragment of later) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await uploadFragments(endpoint, live, [fragment]);
    }
    assert.equal(await listed(), upload.fragments.length, "the media playlist grew");
    const { stderr } = await reading;
    const decoded = [...stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1])).at(-1);
    assert.equal(decoded, wanted, "ffmpeg decoded frames uploaded after it started");
  });

  test("DASH: the same fragments behind GetDASHStreamingSessionURL, every frame decoded", async () => {
    const { DASHStreamingSessionURL } = await video.archivedMedia.send(
      new GetDASHStreamingSessionURLCommand({
        StreamName: video.name,
        PlaybackMode: "ON_DEMAND",
        DASHFragmentSelector: wholeRange,
      }),
    );
    assert.match(DASHStreamingSessionURL!, /\/dash\/v1\/getDASHManifest\.mpd\?SessionToken=/);
    const manifest = await fetch(DASHStreamingSessionURL!);
    assert.equal(manifest.headers.get("content-type"), "application/dash+xml");
    assert.match(await manifest.text(), /<MPD [^>]*type="static"/);
    assert.deepEqual(await decodedFrames(DASHStreamingSessionURL!), { h264: videoFrames });
    const hlsUrl = new URL(
      await sessionUrl(video, {
        PlaybackMode: "ON_DEMAND",
        HLSFragmentSelector: wholeRange,
      }),
    );
    hlsUrl.pathname = "/dash/v1/getDASHManifest.mpd";
    const crossed = await fetch(hlsUrl);
    assert.equal(crossed.status, 400, "an HLS session's token opens no DASH manifest");
    await crossed.body?.cancel();
  });

  test("an expired session token gets AWS's answer, with CORS for a page elsewhere", async () => {
    const url = new URL(
      await sessionUrl(video, {
        PlaybackMode: "ON_DEMAND",
        HLSFragmentSelector: wholeRange,
      }),
    );
    // The token carries its expiry in its last 8 bytes: set it to the past.
    const token = url.searchParams.get("SessionToken")!;
    const bytes = Uint8Array.from(
      atob(token.replace(/-/g, "+").replace(/_/g, "/")),
      (c) => c.charCodeAt(0),
    );
    new DataView(bytes.buffer).setBigUint64(16, BigInt(Date.now() - 1000));
    url.searchParams.set(
      "SessionToken",
      btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
        /=+$/,
        "",
      ),
    );
    const response = await fetch(url, { headers: { origin: "http://page.example" } });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get("x-amzn-ErrorType"), "NotAuthorizedException");
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.match((await response.json()).Message, /expired/);
  });

  test("errors come back as the SDK's typed errors", async () => {
    assert.ok(
      await rejection(sessionUrl(video, {
        PlaybackMode: "ON_DEMAND",
        HLSFragmentSelector: {
          FragmentSelectorType: "PRODUCER_TIMESTAMP",
          TimestampRange: {
            StartTimestamp: seconds(startMs - 600_000),
            EndTimestamp: seconds(startMs - 300_000),
          },
        },
      })) instanceof ResourceNotFoundException,
    );
    const empty = await createTestStream(endpoint, "hls-empty", "GET_HLS_STREAMING_SESSION_URL");
    assert.ok(
      await rejection(sessionUrl(empty, { PlaybackMode: "LIVE" })) instanceof
        ResourceNotFoundException,
      "no fragment in the last 30 s",
    );
    assert.ok(
      await rejection(sessionUrl(video, { PlaybackMode: "ON_DEMAND" })) instanceof
        InvalidArgumentException,
    );
    assert.ok(
      await rejection(sessionUrl(video, { PlaybackMode: "LIVE", Expires: 10 })) instanceof
        InvalidArgumentException,
    );
    const noRetention = await createTestStream(
      endpoint,
      "hls-none",
      "GET_HLS_STREAMING_SESSION_URL",
      0,
    );
    assert.ok(
      await rejection(
        sessionUrl(noRetention, { PlaybackMode: "ON_DEMAND", HLSFragmentSelector: wholeRange }),
      ) instanceof
        NoDataRetentionException,
    );
  });
});
