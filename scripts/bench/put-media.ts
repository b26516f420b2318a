/**
 * Benchmark of PutMedia on loopback: ingest throughput (MB/s of body, one stream and five
 * concurrent ones, each uploading as producer-c does) and the time from a fragment's last byte
 * written to its PERSISTED ack (p50/p95). AWS reads a PutMedia at most at 12.5 MB/s, and so
 * does the endpoint: one stream cannot go faster.
 *   bun scripts/bench/put-media.ts      |      deno run -A scripts/bench/put-media.ts
 */
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { signJsonPost } from "../../core/aws/sigv4.ts";
import type { Fragment, MkvTrack } from "../../core/fragments/fragment.ts";
import { PutMediaProducer } from "../../tests/helpers/put-media-client.ts";

const fragmentsPerStream = 20;
const framesPerFragment = 25;
const frameBytes = 40_000;
const startMs = 1_700_000_000_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const endpoint = await startLocalEndpoint();
const { credentials, region } = endpoint;
const data = { url: endpoint.url, region, credentials };

async function createStream(name: string) {
  const body = JSON.stringify({ StreamName: name, DataRetentionInHours: 1 });
  const url = new URL("/createStream", endpoint.url);
  const headers = await signJsonPost({ url, body, credentials, region, date: new Date() });
  const response = await fetch(url, { method: "POST", headers, body });
  if (!response.ok) throw new Error(`createStream: ${response.status} ${await response.text()}`);
}

const tracks: MkvTrack[] = [{ number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" }];
const frame = crypto.getRandomValues(new Uint8Array(frameBytes));
const fragments: Fragment[] = Array.from({ length: fragmentsPerStream }, (_, f) => {
  const producerTimestampMs = startMs + f * 1000;
  const frames = Array.from({ length: framesPerFragment }, (_, i) => ({
    track: 1,
    timecodeMs: producerTimestampMs + i * 40,
    keyframe: i === 0,
    data: frame,
  }));
  return {
    producerTimestampMs,
    durationMs: 1000,
    tracks,
    frames,
    tags: [],
    sizeBytes: frameBytes * framesPerFragment,
  };
});
const streamBytes = fragmentsPerStream * framesPerFragment * frameBytes;

/** One stream's upload, every fragment written at once (as fast as it is read). */
async function upload(name: string): Promise<void> {
  const producer = new PutMediaProducer(data, { streamName: name }, tracks);
  await producer.connect();
  for (const fragment of fragments) producer.send(fragment);
  await producer.finish(120_000);
}

/** The ms from each fragment's last byte written to its PERSISTED, one fragment at a time. */
async function persistLatencies(name: string): Promise<number[]> {
  const producer = new PutMediaProducer(data, { streamName: name }, tracks);
  await producer.connect();
  const latencies: number[] = [];
  for (const fragment of fragments) {
    producer.send(fragment);
    const sentAt = performance.now();
    await producer.ack("PERSISTED", fragment, 120_000);
    latencies.push(performance.now() - sentAt);
  }
  await producer.finish();
  return latencies.sort((a, b) => a - b);
}

let run = 0;
const newStreams = async (count: number) => {
  const names = Array.from({ length: count }, () => `bench-${++run}`);
  await Promise.all(names.map(createStream));
  return names;
};
for (const streams of [1, 5]) {
  const names = await newStreams(streams);
  const startedAt = performance.now();
  await Promise.all(names.map(upload));
  const seconds = (performance.now() - startedAt) / 1000;
  const mb = (streams * streamBytes) / 1e6;
  console.log(
    `ingest, ${streams} concurrent stream(s): ${mb.toFixed(0)} MB in ${seconds.toFixed(2)} s = ${
      (mb / seconds).toFixed(1)
    } MB/s`,
  );
}
const [name] = await newStreams(1);
const latencies = await persistLatencies(name);
console.log(
  `fragment (${
    (streamBytes / fragmentsPerStream / 1e6).toFixed(1)
  } MB) last byte -> PERSISTED: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${
    percentile(latencies, 95).toFixed(1)
  } ms`,
);
await endpoint.stop();
