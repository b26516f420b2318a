/**
 * PutMedia bodies: the incremental MKV reader fed a mutated body in random chunks (an MkvError
 * is its answer to bad input), and the ingest behind it, which never throws: every bad body is
 * one ERROR ack, the last, and never INTERNAL_ERROR (the store here cannot fail).
 */
import { readFileSync } from "node:fs";
import { concatBytes } from "../../../core/bytes/concat-bytes.ts";
import { FragmentStore } from "../../../core/fragments/fragment-store.ts";
import type { FragmentAck } from "../../../core/fragments/put-media-ack.ts";
import type { FragmentFrame, MkvTrack } from "../../../core/fragments/fragment.ts";
import { PutMediaIngest } from "../../../core/fragments/put-media-ingest.ts";
import { MkvError } from "../../../core/mkv/ebml-read.ts";
import { MkvReader } from "../../../core/mkv/mkv-reader.ts";
import { MkvMediaReader } from "../../../core/mkv/mkv-media-reader.ts";
import { fragmentElements, mkvHeader } from "../../../core/mkv/mkv-writer.ts";
import { mutatedSeed } from "../mutate.ts";
import type { Rng } from "../prng.ts";
import { once, sampleAvcC, sampleFrames, sampleOpusPackets } from "../seeds.ts";
import { type FuzzTarget, invariant, isPlainError, nothingThrown, showBytes } from "../target.ts";

const startMs = 1_700_000_000_000;

/** A producer-c body of the sample (2 fragments, video and Opus), and a file ffmpeg wrote. */
const bodies = once(() => {
  const tracks: MkvTrack[] = [
    { number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC", codecPrivate: sampleAvcC() },
    { number: 2, uid: 2n, kind: "audio", codecId: "A_OPUS" },
  ];
  const pieces = mkvHeader({ tracks, segmentUid: new Uint8Array(16) });
  for (let f = 0; f < 2; f++) {
    const frames: FragmentFrame[] = [];
    for (let i = 0; i < 4; i++) {
      const timecodeMs = startMs + f * 1000 + i * 40;
      const video = sampleFrames[(f * 4 + i) % sampleFrames.length];
      frames.push({ track: 1, timecodeMs, keyframe: i === 0, data: video.subarray(0, 300) });
      frames.push({ track: 2, timecodeMs, keyframe: true, data: sampleOpusPackets[i] });
    }
    const fragment = { producerTimestampMs: startMs + f * 1000, frames, tags: [] };
    pieces.push(...fragmentElements(fragment));
  }
  const ffmpegFile = readFileSync(
    new URL("../../../tests/unit/fixtures/ffmpeg-testsrc-2s.mkv", import.meta.url),
  );
  return [concatBytes(pieces), new Uint8Array(ffmpegFile)];
});

interface Body {
  bytes: Uint8Array;
  /** Where the body is cut into chunks. */
  cuts: number[];
}

function body(rng: Rng): Body {
  const bytes = mutatedSeed(bodies(), rng);
  const cuts: number[] = [];
  for (let at = 0; at < bytes.length; at += 1 + rng.below(rng.chance(0.3) ? 16 : 4096)) {
    cuts.push(at);
  }
  return { bytes, cuts };
}

const chunks = ({ bytes, cuts }: Body) =>
  cuts.map((at, i) => bytes.subarray(at, cuts[i + 1] ?? bytes.length));

export const mkvReader: FuzzTarget<Body> = {
  name: "mkv-reader",
  input: body,
  run(input) {
    const reader = new MkvReader({ maxBlockBytes: 1 << 20, maxMetadataBytes: 1 << 16 });
    for (const chunk of chunks(input)) reader.push(chunk);
    reader.end();
  },
  deliberate: (error) => error instanceof MkvError && !error.message.includes("\n"),
  show: ({ bytes }) => showBytes(bytes),
};

/**
 * A live Matroska source (core/mkv/mkv-media-reader.ts): the same bodies as a muxer's stream,
 * avcC samples turned into Annex-B access units; a plain one-line Error is its answer.
 */
export const mkvMediaReader: FuzzTarget<Body> = {
  name: "mkv-media-reader",
  input: body,
  run(input) {
    const reader = new MkvMediaReader({
      withAudio: true,
      maxAccessUnitBytes: 1 << 20,
      maxOpusPacketBytes: 1 << 16,
    });
    for (const chunk of chunks(input)) reader.push(chunk);
    reader.end();
  },
  deliberate: (error) =>
    (error instanceof MkvError || isPlainError(error)) && !(error as Error).message.includes("\n"),
  show: ({ bytes }) => showBytes(bytes),
};

export const putMediaIngest: FuzzTarget<Body> = {
  name: "put-media-ingest",
  input: body,
  async run(input) {
    const acks: FragmentAck[] = [];
    const ingest = new PutMediaIngest({
      streamArn: "arn:aws:kinesisvideo:us-west-2:111122223333:stream/fuzz/1",
      dataRetentionInHours: 1,
      store: new FragmentStore(() => startMs),
      timecodeType: "ABSOLUTE",
      streamCondition: () => "ACTIVE",
      now: () => startMs,
      send: (ack) => acks.push(ack),
      limits: { maxFragmentBytes: 1 << 20, maxMetadataBytes: 1 << 16 },
    });
    for (const chunk of chunks(input)) await ingest.push(chunk);
    await ingest.end();
    const errors = acks.filter((a) => a.EventType === "ERROR");
    invariant(
      errors.length <= 1 && (errors.length === 0 || acks.at(-1) === errors[0]),
      "one ERROR, last",
    );
    invariant(
      errors.every((e) => e.EventType === "ERROR" && e.ErrorId !== 5000),
      "no INTERNAL_ERROR",
    );
  },
  deliberate: nothingThrown,
  show: ({ bytes }) => showBytes(bytes),
};
