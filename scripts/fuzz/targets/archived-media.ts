/**
 * The archived-media and GetMedia requests the data endpoint parses, on a stream that holds a
 * few fragments of the sample: ListFragments (selector, MaxResults, NextToken), GetMedia's
 * StartSelector and where it starts, and GetHLSStreamingSessionURL / GetDASHStreamingSessionURL
 * (mode, selector, container, limits) through the playlists and manifest a player then fetches,
 * and a SessionToken as a player sends it back. A ServiceError is the deliberate answer.
 */
import { dashManifest } from "../../../core/archived-media/dash-manifest.ts";
import { masterPlaylist, mediaPlaylist } from "../../../core/archived-media/hls-playlists.ts";
import { playbackTracks } from "../../../core/archived-media/playback-tracks.ts";
import { SessionTokens } from "../../../core/archived-media/session-tokens.ts";
import {
  playlistWindow,
  streamingSession,
} from "../../../core/archived-media/streaming-session.ts";
import type { Fragment, FragmentFrame, MkvTrack } from "../../../core/fragments/fragment.ts";
import { FragmentStore } from "../../../core/fragments/fragment-store.ts";
import { listFragments } from "../../../core/fragments/list-fragments.ts";
import { parseStartSelector, startPoint } from "../../../core/fragments/start-selector.ts";
import { parseSps } from "../../../core/h264/sps.ts";
import { opusHead } from "../../../core/opus/opus-head.ts";
import { controlPlaneOperations, streamFrom } from "../../../core/local-endpoint/control-plane.ts";
import { ServiceError } from "../../../core/local-endpoint/errors.ts";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import { Registry } from "../../../core/local-endpoint/registry.ts";
import { mutateJson, mutateText } from "../mutate.ts";
import { sampleAvcC, sampleOpusPackets, sampleParameterSets } from "../seeds.ts";
import type { FuzzTarget } from "../target.ts";

const region = "us-west-2";
const streamName = "fuzz-stream";
/** Where the fuzzed stream's fragments start, and "now" for every case (ms since the epoch). */
const startMs = 1_700_000_000_000;
const nowMs = startMs + 20_000;
const startSeconds = startMs / 1000;

type Operation = "listFragments" | "getMedia" | "hls" | "dash" | "sessionToken";

interface Request {
  operation: Operation;
  body: Uint8Array;
}

/** Valid requests of each operation (a session token is made from the HLS one). */
const requestSeeds: [Operation, Record<string, unknown>][] = [
  ["listFragments", { StreamName: streamName, MaxResults: 2 }],
  ["listFragments", {
    StreamName: streamName,
    FragmentSelector: {
      FragmentSelectorType: "PRODUCER_TIMESTAMP",
      TimestampRange: { StartTimestamp: startSeconds, EndTimestamp: startSeconds + 4 },
    },
  }],
  ["getMedia", { StreamName: streamName, StartSelector: { StartSelectorType: "EARLIEST" } }],
  ["getMedia", {
    StreamName: streamName,
    StartSelector: { StartSelectorType: "PRODUCER_TIMESTAMP", StartTimestamp: startSeconds + 1 },
  }],
  ["getMedia", {
    StreamName: streamName,
    StartSelector: { StartSelectorType: "FRAGMENT_NUMBER", AfterFragmentNumber: "9".repeat(47) },
  }],
  ["hls", { StreamName: streamName, PlaybackMode: "LIVE" }],
  ["hls", {
    StreamName: streamName,
    PlaybackMode: "ON_DEMAND",
    ContainerFormat: "MPEG_TS",
    HLSFragmentSelector: {
      FragmentSelectorType: "PRODUCER_TIMESTAMP",
      TimestampRange: { StartTimestamp: startSeconds, EndTimestamp: startSeconds + 10 },
    },
    MaxMediaPlaylistFragmentResults: 3,
  }],
  ["dash", {
    StreamName: streamName,
    PlaybackMode: "LIVE_REPLAY",
    DASHFragmentSelector: {
      FragmentSelectorType: "SERVER_TIMESTAMP",
      TimestampRange: { StartTimestamp: nowMs / 1000 - 15 },
    },
  }],
  ["sessionToken", { StreamName: streamName, PlaybackMode: "LIVE" }],
];

/** Five one-second fragments of the sample: video (AVCC) and Opus. */
function sampleFragments(): Fragment[] {
  const { sps } = sampleParameterSets();
  const { width, height } = parseSps(sps);
  const tracks: MkvTrack[] = [
    {
      number: 1,
      uid: 1n,
      kind: "video",
      codecId: "V_MPEG4/ISO/AVC",
      codecPrivate: sampleAvcC(),
      video: { width, height },
    },
    {
      number: 2,
      uid: 2n,
      kind: "audio",
      codecId: "A_OPUS",
      codecPrivate: opusHead(2),
      audio: { samplingFrequency: 48000, channels: 2 },
    },
  ];
  // A tiny AVCC keyframe: the requests are fuzzed here, not the media.
  const video = Uint8Array.of(0, 0, 0, 2, 0x65, 0x88);
  return Array.from({ length: 5 }, (_, f) => {
    const frames: FragmentFrame[] = [];
    for (let i = 0; i < 25; i++) {
      const timecodeMs = startMs + f * 1000 + i * 40;
      frames.push({ track: 1, timecodeMs, keyframe: i === 0, data: video });
      frames.push({ track: 2, timecodeMs, keyframe: true, data: sampleOpusPackets[i] });
    }
    return {
      producerTimestampMs: startMs + f * 1000,
      durationMs: 1000,
      tracks,
      frames,
      tags: [],
      sizeBytes: 4096,
    };
  });
}

let registry: Registry;
let store: FragmentStore;

async function prepare(): Promise<void> {
  registry = new Registry(region);
  const context = {
    registry,
    urls: { https: "https://127.0.0.1:4443", wss: "wss://127.0.0.1:4443" },
    now: () => startMs,
  };
  controlPlaneOperations["/createStream"](
    { StreamName: streamName, DataRetentionInHours: 24, MediaType: "video/h264" },
    context,
  );
  store = new FragmentStore(() => nowMs);
  const arn = registry.streamByName(streamName).arn;
  for (const [i, fragment] of sampleFragments().entries()) {
    await store.append(arn, fragment, startMs + i * 1000 + 1500);
  }
}

/** A streaming session as GetHLS/DASHStreamingSessionURL makes it, then what a player fetches. */
function playback(body: ReturnType<typeof parseJsonObject>, protocol: "HLS" | "DASH") {
  const stream = streamFrom(body, registry);
  const fragments = store.fragments(stream.arn);
  const session = streamingSession(body, stream, fragments, nowMs, protocol);
  const window = playlistWindow(session, fragments, nowMs);
  const newest = window.listed.at(-1);
  if (!newest) return;
  const tracks = playbackTracks(newest.tracks, session.container);
  if (protocol === "DASH") {
    dashManifest(session, "token", tracks, window, nowMs);
    return;
  }
  masterPlaylist(session, "token", tracks, window.listed);
  mediaPlaylist(session, "token", window);
}

function serve({ operation, body: bytes }: Request) {
  const body = parseJsonObject(bytes);
  switch (operation) {
    case "listFragments":
      JSON.stringify(listFragments(body, { registry, store }));
      return;
    case "getMedia": {
      const stream = streamFrom(body, registry);
      const selector = parseStartSelector(body);
      startPoint(selector, store.fragments(stream.arn), (n) => store.get(stream.arn, n));
      return;
    }
    case "hls":
      return playback(body, "HLS");
    case "dash":
      return playback(body, "DASH");
    case "sessionToken": {
      // A player sends back the token it was given, or one it mangled.
      const tokens = new SessionTokens(() => nowMs);
      const stream = streamFrom(body, registry);
      const token = tokens.issue(
        streamingSession(body, stream, store.fragments(stream.arn), nowMs),
      );
      const sent = typeof body.Token === "string" ? body.Token : token;
      tokens.session(sent);
      return;
    }
  }
}

export const archivedMediaRequests: FuzzTarget<Request> = {
  name: "archived-media",
  prepare,
  input(rng) {
    const [operation, seed] = rng.pick(requestSeeds);
    const mutated = rng.chance(0.8) ? mutateJson(seed, rng) : seed;
    const withToken = operation === "sessionToken" && rng.chance(0.5) && mutated &&
        typeof mutated === "object" && !Array.isArray(mutated)
      ? { ...mutated, Token: mutateText("A".repeat(32), rng) }
      : mutated;
    const text = JSON.stringify(withToken) ?? "";
    return {
      operation,
      body: new TextEncoder().encode(rng.chance(0.2) ? mutateText(text, rng) : text),
    };
  },
  run: serve,
  deliberate: (error) => error instanceof ServiceError,
  show: ({ operation, body }) => JSON.stringify([operation, new TextDecoder().decode(body)]),
};
