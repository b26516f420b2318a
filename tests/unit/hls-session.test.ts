/**
 * HLS sessions without a network: the token table's expiry on a fake clock, AWS's request
 * rules, which fragments each playback mode lists, and the media playlist's tags.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StoredFragment } from "../../core/fragments/fragment.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import type { StreamRecord } from "../../core/local-endpoint/registry.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import { maxSessions, SessionTokens } from "../../core/archived-media/session-tokens.ts";
import {
  playlistWindow,
  type StreamingSession,
  streamingSession,
} from "../../core/archived-media/streaming-session.ts";
import { mediaPlaylist } from "../../core/archived-media/hls-playlists.ts";
import { dashManifest } from "../../core/archived-media/dash-manifest.ts";
import { playbackTracks } from "../../core/archived-media/playback-tracks.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";

const stream: StreamRecord = {
  name: "s",
  arn: "arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1",
  kmsKeyId: "k",
  version: "v",
  status: "ACTIVE",
  creationMs: 0,
  dataRetentionInHours: 24,
  tags: {},
};

const startMs = 1_700_000_000_000;

/** The sample's fragments stored one second apart from `serverStartMs`. */
function stored(serverStartMs: number, seconds = 4): StoredFragment[] {
  const store = new FragmentStore();
  sampleFragments({ startMs, seconds }).fragments.forEach((f, i) =>
    store.append(stream.arn, f, serverStartMs + i * 1000)
  );
  return [...store.fragments(stream.arn)];
}

function errorName(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ServiceError, String(error));
    return error.errorType;
  }
  return undefined;
}

const onDemand = {
  PlaybackMode: "ON_DEMAND",
  HLSFragmentSelector: {
    FragmentSelectorType: "PRODUCER_TIMESTAMP",
    TimestampRange: { StartTimestamp: startMs / 1000, EndTimestamp: startMs / 1000 + 60 },
  },
};

describe("HLS session tokens", () => {
  test("a token works until its session expires, then is refused as expired", () => {
    let now = 1000;
    const tokens = new SessionTokens(() => now);
    const session = { expiresMs: 301_000 } as StreamingSession;
    const token = tokens.issue(session);
    assert.equal(tokens.session(token), session);
    now = 301_000;
    assert.throws(() => tokens.session(token), /Streaming session token is expired/);
    assert.throws(() => tokens.session("x".repeat(32)), /not valid/);
    assert.throws(() => tokens.session(undefined), /not valid/);
  });

  test("the table holds a bounded number of live sessions, and drops expired ones", () => {
    let now = 0;
    const tokens = new SessionTokens(() => now);
    for (let i = 0; i < maxSessions; i++) tokens.issue({ expiresMs: 10 } as StreamingSession);
    assert.throws(
      () => tokens.issue({ expiresMs: 10 } as StreamingSession),
      (e: ServiceError) => e.errorType === "ClientLimitExceededException",
    );
    now = 10;
    assert.ok(tokens.issue({ expiresMs: 20 } as StreamingSession));
  });
});

describe("GetHLSStreamingSessionURL rules", () => {
  const fragments = stored(startMs);
  const make = (body: Record<string, unknown>, now = startMs + 5000) =>
    errorName(() => streamingSession(body, stream, fragments, now));

  test("AWS's argument errors", () => {
    assert.equal(make(onDemand), undefined);
    assert.equal(make({ PlaybackMode: "ON_DEMAND" }), "InvalidArgumentException");
    assert.equal(make({ ...onDemand, Expires: 299 }), "InvalidArgumentException");
    assert.equal(make({ ...onDemand, Expires: 43_201 }), "InvalidArgumentException");
    assert.equal(
      make({ ...onDemand, MaxMediaPlaylistFragmentResults: 5001 }),
      "InvalidArgumentException",
    );
    assert.equal(make({ ...onDemand, ContainerFormat: "MKV" }), "InvalidArgumentException");
    assert.equal(
      make({ PlaybackMode: "LIVE", HLSFragmentSelector: onDemand.HLSFragmentSelector }),
      "InvalidArgumentException",
    );
  });

  test("LIVE needs a fragment from the last 30 seconds; retention must be kept", () => {
    assert.equal(make({ PlaybackMode: "LIVE" }), undefined);
    assert.equal(make({ PlaybackMode: "LIVE" }, startMs + 60_000), "ResourceNotFoundException");
    assert.equal(
      errorName(() =>
        streamingSession(onDemand, { ...stream, dataRetentionInHours: 0 }, fragments, startMs)
      ),
      "NoDataRetentionException",
    );
  });

  test("a stream whose track 1 is not H.264 is an UnsupportedStreamMediaTypeException", () => {
    const vp8 = fragments.map((f) => ({ ...f, tracks: [{ ...f.tracks[0], codecId: "V_VP8" }] }));
    assert.equal(
      errorName(() => streamingSession(onDemand, stream, vp8, startMs)),
      "UnsupportedStreamMediaTypeException",
    );
    const noAvcC = fragments.map((f) => ({
      ...f,
      tracks: [{ ...f.tracks[0], codecPrivate: undefined }],
    }));
    assert.equal(
      errorName(() => streamingSession(onDemand, stream, noAvcC, startMs)),
      "MissingCodecPrivateDataException",
    );
  });
});

describe("HLS playlist windows", () => {
  test("LIVE lists the newest fragments and slides, never ending", () => {
    const fragments = stored(startMs);
    const session = streamingSession(
      { PlaybackMode: "LIVE", MaxMediaPlaylistFragmentResults: 2 },
      stream,
      fragments,
      startMs + 4000,
    );
    const window = playlistWindow(session, fragments, startMs + 4000);
    assert.deepEqual(window.listed.slice(window.first), fragments.slice(-2));
    assert.equal(window.first, fragments.length - 2);
    assert.equal(window.ended, false);
  });

  test("LIVE_REPLAY lists the range at real-time pace and ends with it", () => {
    const fragments = stored(startMs);
    const body = { ...onDemand, PlaybackMode: "LIVE_REPLAY" };
    const session = streamingSession(body, stream, fragments, 0);
    assert.equal(playlistWindow(session, fragments, 0).listed.length, 1);
    assert.equal(playlistWindow(session, fragments, 1000).listed.length, 2);
    const later = playlistWindow(session, fragments, 120_000);
    assert.equal(later.listed.length, fragments.length);
    assert.equal(later.ended, false, "the range ends in the future of this fake clock");
    assert.equal(playlistWindow(session, fragments, startMs + 61_000).ended, true);
  });

  test("the media playlist: sequence, discontinuities as asked, timestamps, end", () => {
    const fragments = stored(startMs);
    const session = streamingSession(
      { ...onDemand, DiscontinuityMode: "ALWAYS", DisplayFragmentTimestamp: "ALWAYS" },
      stream,
      fragments,
      startMs,
    );
    const text = mediaPlaylist(session, "T", playlistWindow(session, fragments, startMs));
    assert.match(
      text,
      /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n/,
    );
    assert.equal(text.match(/^#EXT-X-DISCONTINUITY$/gm)?.length, fragments.length - 1);
    assert.equal(text.match(/^#EXT-X-PROGRAM-DATE-TIME:/gm)?.length, fragments.length);
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(text, /#EXT-X-ENDLIST\n$/);
    const never = streamingSession(onDemand, stream, fragments, startMs);
    assert.doesNotMatch(
      mediaPlaylist(never, "T", playlistWindow(never, fragments, startMs)),
      /DISCONTINUITY\n|PROGRAM-DATE-TIME/,
    );
  });
});

describe("DASH manifests", () => {
  test("static for ON_DEMAND, dynamic for LIVE, one escaped SegmentURL per fragment", () => {
    const fragments = stored(startMs);
    const tracks = playbackTracks(fragments[0].tracks, "FRAGMENTED_MP4");
    const body = { ...onDemand, DASHFragmentSelector: onDemand.HLSFragmentSelector };
    const onDemandSession = streamingSession(body, stream, fragments, startMs, "DASH");
    const manifest = dashManifest(
      onDemandSession,
      "T",
      tracks,
      playlistWindow(onDemandSession, fragments, startMs),
      startMs,
    );
    assert.match(manifest, /<MPD [^>]*type="static" mediaPresentationDuration="PT4\.000S"/);
    assert.match(manifest, new RegExp(`presentationTimeOffset="${startMs}"`));
    assert.equal(
      manifest.match(
        /<SegmentURL media="getMP4MediaFragment\.mp4\?FragmentNumber=\d+&amp;SessionToken=T"\/>/g,
      )?.length,
      fragments.length,
    );
    const live = streamingSession(
      { PlaybackMode: "LIVE" },
      stream,
      fragments,
      startMs + 4000,
      "DASH",
    );
    const liveManifest = dashManifest(
      live,
      "T",
      tracks,
      playlistWindow(live, fragments, startMs + 4000),
      startMs + 4000,
    );
    assert.match(
      liveManifest,
      /<MPD [^>]*type="dynamic" availabilityStartTime="1970-01-01T00:00:00Z"/,
    );
    assert.match(liveManifest, /minimumUpdatePeriod="PT1S"/);
  });
});
