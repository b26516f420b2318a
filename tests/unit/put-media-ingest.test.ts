import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import type { FragmentFrame, MkvTrack } from "../../core/fragments/fragment.ts";
import type { FragmentAck } from "../../core/fragments/put-media-ack.ts";
import {
  type IngestLimits,
  PutMediaIngest,
  type StreamCondition,
} from "../../core/fragments/put-media-ingest.ts";
import { parseProducerStartTimestamp } from "../../core/local-endpoint/put-media-request.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import {
  clusterStart,
  fragmentElements,
  mkvHeader,
  simpleBlock,
} from "../../core/mkv/mkv-writer.ts";

const arn = "arn:aws:kinesisvideo:us-west-2:111122223333:stream/cam/1700000000000";
const startMs = 1_700_000_000_000;
const video: MkvTrack = { number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" };
const audio: MkvTrack = { number: 2, uid: 2n, kind: "audio", codecId: "A_OPUS" };

function frames(fragmentStartMs: number, tracks = [video]): FragmentFrame[] {
  const out: FragmentFrame[] = [];
  for (let i = 0; i < 5; i++) {
    for (const track of tracks) {
      out.push({
        track: track.number,
        timecodeMs: fragmentStartMs + i * 400,
        keyframe: i === 0 || track.kind === "audio",
        data: new Uint8Array(50 + i).fill(track.number * 10 + i),
      });
    }
  }
  return out;
}

const fragmentAt = (ms: number, tracks = [video], clusterMs = ms) =>
  concatBytes(
    fragmentElements({ producerTimestampMs: ms, frames: frames(ms, tracks), tags: [] }, clusterMs),
  );

const header = (tracks = [video]) => concatBytes(mkvHeader({ tracks }));

class Clock {
  ms = startMs + 60_000;
  now = () => this.ms;
}

function upload(options: {
  store?: FragmentStore;
  retention?: number;
  condition?: () => StreamCondition;
  limits?: Partial<IngestLimits>;
  relativeFromMs?: number;
  clock?: Clock;
} = {}) {
  const clock = options.clock ?? new Clock();
  const retention = options.retention ?? 24;
  // The store knows each stream's retention, as the endpoint's does (from its registry).
  const store = options.store ?? new FragmentStore(clock.now, { retentionHours: () => retention });
  const acks: FragmentAck[] = [];
  const ingest = new PutMediaIngest({
    streamArn: arn,
    dataRetentionInHours: retention,
    store,
    timecodeType: options.relativeFromMs === undefined ? "ABSOLUTE" : "RELATIVE",
    producerStartMs: options.relativeFromMs,
    streamCondition: options.condition ?? (() => "ACTIVE"),
    now: clock.now,
    send: (ack) => acks.push(ack),
    limits: options.limits,
  });
  return { ingest, acks, store, clock };
}

const types = (acks: FragmentAck[]) => acks.map((a) => a.EventType);
const errorOf = (acks: FragmentAck[]) => {
  const error = acks.at(-1);
  assert.equal(error?.EventType, "ERROR", `the last ack is an ERROR: ${JSON.stringify(acks)}`);
  return error.EventType === "ERROR" ? [error.ErrorId, error.ErrorCode] : [];
};

async function pushAll(ingest: PutMediaIngest, bytes: Uint8Array, chunk = 997) {
  for (let at = 0; at < bytes.length; at += chunk) await ingest.push(bytes.slice(at, at + chunk));
}

describe("PutMedia ingest", () => {
  test("each fragment is acknowledged BUFFERING, RECEIVED, PERSISTED with one number", async () => {
    const { ingest, acks, store } = upload();
    const times = [startMs, startMs + 2000, startMs + 4000];
    await pushAll(ingest, concatBytes([header(), ...times.map((t) => fragmentAt(t))]));
    assert.deepEqual(types(acks), times.flatMap(() => ["BUFFERING", "RECEIVED", "PERSISTED"]));
    const stored = store.fragments(arn);
    assert.deepEqual(stored.map((f) => f.producerTimestampMs), times);
    for (const [i, ack] of acks.entries()) {
      const fragment = stored[Math.floor(i / 3)];
      assert.deepEqual(ack, {
        EventType: ack.EventType,
        FragmentTimecode: fragment.producerTimestampMs,
        FragmentNumber: fragment.fragmentNumber,
      });
    }
    assert.deepEqual(
      stored[1].frames.map((f) => ({ ...f, data: [...f.data] })),
      frames(times[1]).map((f) => ({ ...f, data: [...f.data] })),
    );
    assert.equal(stored[0].durationMs, 2000);
    assert.equal(stored[0].sizeBytes > 5 * 50, true);
  });

  test("BUFFERING comes with the Cluster's Timecode, RECEIVED at END_OF_FRAGMENT", async () => {
    const { ingest, acks } = upload();
    const fragment = fragmentAt(startMs);
    await ingest.push(header());
    await ingest.push(fragment.subarray(0, 40));
    assert.deepEqual(types(acks), ["BUFFERING"]);
    await ingest.push(fragment.subarray(40));
    assert.deepEqual(types(acks), ["BUFFERING", "RECEIVED", "PERSISTED"], "no next Cluster needed");
  });

  test("a Cluster without END_OF_FRAGMENT is whole at the next Cluster and at the body's end", async () => {
    const { ingest, acks, store } = upload();
    await ingest.push(header());
    for (const ms of [startMs, startMs + 2000]) {
      await ingest.push(concatBytes([
        ...clusterStart(ms),
        ...frames(ms).flatMap((f) => simpleBlock(1, f.timecodeMs - ms, f.keyframe, [f.data])),
      ]));
    }
    assert.deepEqual(types(acks), ["BUFFERING", "RECEIVED", "PERSISTED", "BUFFERING"]);
    await ingest.end();
    assert.deepEqual(types(acks).slice(4), ["RECEIVED", "PERSISTED"]);
    assert.equal(store.fragments(arn).length, 2);
    assert.equal(ingest.ended, true);
  });

  test("RELATIVE timecodes count from the producer start; acks carry them as sent", async () => {
    const relativeFromMs = parseProducerStartTimestamp("1700000000.5");
    const { ingest, acks, store } = upload({ relativeFromMs });
    await pushAll(ingest, concatBytes([header(), fragmentAt(0), fragmentAt(2000)]));
    assert.deepEqual(
      store.fragments(arn).map((f) => [f.producerTimestampMs, f.frames[1].timecodeMs]),
      [[startMs + 5, startMs + 5 + 400], [startMs + 2005, startMs + 2405]],
    );
    assert.deepEqual(
      acks.map((a) => "FragmentTimecode" in a && a.FragmentTimecode),
      [0, 0, 0, 2000, 2000, 2000],
    );
  });

  test("with retention 0 nothing is stored and no PERSISTED is sent; live readers see it", async () => {
    const { ingest, acks, store } = upload({ retention: 0 });
    const live: number[] = [];
    store.follow(arn, (f) => live.push(f.producerTimestampMs));
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs)]));
    assert.deepEqual(types(acks), ["BUFFERING", "RECEIVED"]);
    assert.equal(store.fragments(arn).length, 0);
    assert.deepEqual(live, [startMs]);
  });

  test("a fragment replayed on a new connection is stored once and acked with its number", async () => {
    const clock = new Clock();
    const first = upload({ clock });
    await pushAll(
      first.ingest,
      concatBytes([header(), fragmentAt(startMs), fragmentAt(startMs + 2000).subarray(0, 60)]),
    );
    first.ingest.abort();
    clock.ms += 5000;
    const again = upload({ clock, store: first.store });
    await pushAll(
      again.ingest,
      concatBytes([header(), fragmentAt(startMs), fragmentAt(startMs + 2000)]),
    );
    const stored = first.store.fragments(arn);
    assert.deepEqual(stored.map((f) => f.producerTimestampMs), [startMs, startMs + 2000]);
    const numbers = again.acks.map((a) => "FragmentNumber" in a && a.FragmentNumber);
    assert.deepEqual(numbers, [
      ...Array(3).fill(stored[0].fragmentNumber),
      ...Array(3).fill(stored[1].fragmentNumber),
    ]);
    assert.deepEqual(types(again.acks), [
      "BUFFERING",
      "RECEIVED",
      "PERSISTED",
      "BUFFERING",
      "RECEIVED",
      "PERSISTED",
    ]);
  });

  test("4001: a fragment over the size bound", async () => {
    const { ingest, acks, store } = upload({ limits: { maxFragmentBytes: 300 } });
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs), fragmentAt(startMs + 2000)]));
    assert.deepEqual(errorOf(acks), [4001, "MAX_FRAGMENT_SIZE_REACHED"]);
    assert.deepEqual(types(acks), ["BUFFERING", "ERROR"]);
    assert.equal(store.fragments(arn).length, 0);
    assert.equal(ingest.ended, true);
  });

  test("4001: a single block over the bound is refused before it is held", async () => {
    const { ingest, acks } = upload({ limits: { maxFragmentBytes: 1000 } });
    await ingest.push(header());
    await ingest.push(
      concatBytes([
        ...clusterStart(startMs),
        ...simpleBlock(1, 0, true, [new Uint8Array(2000)]),
      ]).subarray(0, 40),
    );
    assert.deepEqual(errorOf(acks), [4001, "MAX_FRAGMENT_SIZE_REACHED"]);
  });

  test("4002: a fragment longer than the duration bound", async () => {
    const { ingest, acks } = upload({ limits: { maxFragmentDurationMs: 1000 } });
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs)]));
    assert.deepEqual(errorOf(acks), [4002, "MAX_FRAGMENT_DURATION_REACHED"]);
    const error = acks.at(-1)!;
    assert.deepEqual(
      "FragmentTimecode" in error && error.FragmentTimecode,
      startMs,
      "the ERROR names the fragment",
    );
  });

  test("4004: a fragment timecode less than the previous one", async () => {
    const { ingest, acks, store } = upload();
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs + 2000), fragmentAt(startMs)]));
    assert.deepEqual(errorOf(acks), [4004, "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS"]);
    assert.equal(store.fragments(arn).length, 1);
  });

  test("4006: bytes that are not MKV, and a Cluster before any Tracks", async () => {
    const garbage = upload();
    await garbage.ingest.push(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
    assert.deepEqual(errorOf(garbage.acks), [4006, "INVALID_MKV_DATA"]);
    assert.match(garbage.ingest.failure ?? "", /EBML/);
    const noTracks = upload();
    const withoutTracks = concatBytes(mkvHeader({ tracks: [] }).slice(0, -2)); // Tracks' head
    await noTracks.ingest.push(concatBytes([withoutTracks, fragmentAt(startMs)]));
    assert.deepEqual(errorOf(noTracks.acks), [4006, "INVALID_MKV_DATA"]);
    assert.equal(noTracks.ingest.failure, "a Cluster before any Tracks");
  });

  test("4010: a SimpleBlock for a track the Tracks do not declare", async () => {
    const { ingest, acks } = upload();
    await pushAll(ingest, concatBytes([header([video]), fragmentAt(startMs, [video, audio])]));
    assert.deepEqual(errorOf(acks), [4010, "TRACK_NUMBER_MISMATCH"]);
  });

  test("4011: a fragment without frames of a declared track", async () => {
    const { ingest, acks } = upload();
    await pushAll(ingest, concatBytes([header([video, audio]), fragmentAt(startMs, [video])]));
    assert.deepEqual(errorOf(acks), [4011, "FRAMES_MISSING_FOR_TRACK"]);
  });

  test("4012: more than 3 tracks", async () => {
    const { ingest, acks } = upload();
    const tracks = [1, 2, 3, 4].map((n) => ({ ...video, number: n, uid: BigInt(n) }));
    await ingest.push(header(tracks));
    assert.deepEqual(acks, [{
      EventType: "ERROR",
      ErrorId: 4012,
      ErrorCode: "MORE_THAN_ALLOWED_TRACKS_FOUND",
    }]);
  });

  test("4008 and 4507: the stream not active, or deleted, during the upload", async () => {
    for (
      const [condition, expected] of [
        ["NOT_ACTIVE", [4008, "STREAM_NOT_ACTIVE"]],
        ["DELETED", [4507, "STREAM_DELETED"]],
      ] as const
    ) {
      let now: StreamCondition = "ACTIVE";
      const { ingest, acks } = upload({ condition: () => now });
      await pushAll(ingest, concatBytes([header(), fragmentAt(startMs)]));
      now = condition;
      await pushAll(ingest, fragmentAt(startMs + 2000));
      assert.deepEqual(types(acks).slice(0, 3), ["BUFFERING", "RECEIVED", "PERSISTED"]);
      assert.deepEqual(errorOf(acks), expected);
    }
  });

  test("after an ERROR nothing more is read or acknowledged", async () => {
    const { ingest, acks } = upload();
    await ingest.push(Uint8Array.of(0, 0, 0));
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs)]));
    await ingest.end();
    assert.deepEqual(types(acks), ["ERROR"]);
  });

  test("IDLE acks while no data arrives, and the upload ends 30 s after the last data", async () => {
    const clock = new Clock();
    const { ingest, acks } = upload({ clock });
    await ingest.push(header());
    const ticks: (string | undefined)[] = [];
    for (let s = 1; s <= 31; s++) {
      clock.ms += 1000;
      ticks.push(ingest.tick());
    }
    assert.deepEqual(types(acks), Array(9).fill("IDLE"), "one every 3 s for 29 s");
    assert.deepEqual(ticks.slice(-3), [undefined, "timeout", undefined]);
    assert.equal(ingest.ended, true);
  });

  test("data keeps IDLE away", async () => {
    const clock = new Clock();
    const { ingest, acks } = upload({ clock });
    await ingest.push(header());
    for (let s = 0; s < 10; s++) {
      clock.ms += 2000;
      await ingest.push(new Uint8Array([0xec, 0x80])); // a Void element
      ingest.tick();
    }
    assert.deepEqual(acks, []);
  });

  test("a store that fails is acknowledged INTERNAL_ERROR", async () => {
    const store = new FragmentStore();
    store.append = () => {
      throw new Error("disk full");
    };
    const { ingest, acks } = upload({ store });
    await pushAll(ingest, concatBytes([header(), fragmentAt(startMs)]));
    assert.deepEqual(errorOf(acks), [5000, "INTERNAL_ERROR"]);
  });
});

describe("x-amzn-producer-start-timestamp", () => {
  test("is read as producer-c prints it: unpadded milliseconds", () => {
    assert.equal(parseProducerStartTimestamp("1700000000.5"), 1_700_000_000_005);
    assert.equal(parseProducerStartTimestamp("1700000000.123"), 1_700_000_000_123);
    assert.equal(parseProducerStartTimestamp("1700000000"), 1_700_000_000_000);
  });

  test("anything else is an InvalidArgumentException", () => {
    for (const bad of ["", "1e9", "1700000000.1234", "-5", "1700000000."]) {
      assert.throws(
        () => parseProducerStartTimestamp(bad),
        (e: unknown) => e instanceof ServiceError && e.errorType === "InvalidArgumentException",
        bad,
      );
    }
  });
});
