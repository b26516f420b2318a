/**
 * Benchmark of the local endpoint's signaling on loopback: how long the endpoint takes to start
 * (loading its modules included) and to answer its first signed request, the relay latency viewer -> endpoint -> master
 * (p50/p95, one message at a time), and how many relayed messages per second 10 viewers
 * flooding one master get through.
 *   bun scripts/bench/signaling.ts      |      deno run -A scripts/bench/signaling.ts
 */
import { runtime } from "../../adapters/runtime/mod.ts";
import { presignSignalingUrl, signJsonPost } from "../../core/aws/sigv4.ts";

const viewers = 10;
const latencySamples = 2000;
const floodPerViewer = 5000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("WebSocket refused"));
  });
}

const startAt = performance.now();
const { startLocalEndpoint } = await import("../../adapters/local/mod.ts");
const loadedMs = performance.now() - startAt;
const endpoint = await startLocalEndpoint();
const startedMs = performance.now() - startAt;
const { credentials, region } = endpoint;

async function call(path: string, input: unknown) {
  const body = JSON.stringify(input);
  const url = new URL(path, endpoint.url);
  const headers = await signJsonPost({ url, body, credentials, region, date: new Date() });
  const response = await fetch(url, { method: "POST", headers, body });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

await call("/listSignalingChannels", {});
const firstAnswerMs = performance.now() - startAt;
const { ChannelARN: channelArn } = await call("/createSignalingChannel", { ChannelName: "bench" });
const wss = endpoint.url.replace("http:", "ws:");
const presign = (clientId?: string) =>
  presignSignalingUrl({
    endpoint: wss,
    channelArn,
    clientId,
    credentials,
    region,
    date: new Date(),
    expiresInSeconds: 299,
  });

const master = await openSocket(await presign());
const viewerSockets = await Promise.all(
  Array.from({ length: viewers }, async (_, i) => openSocket(await presign(`viewer-${i}`))),
);
const candidate = (n: number) =>
  btoa(JSON.stringify({ candidate: `candidate:${n} 1 udp 1 127.0.0.1 9 typ host`, sdpMid: "0" }));

// Latency: one ICE_CANDIDATE at a time, send -> the master's receive.
const latencies: number[] = [];
let waiting: ((at: number) => void) | undefined;
master.onmessage = () => waiting?.(performance.now());
for (let i = 0; i < latencySamples; i++) {
  const viewer = viewerSockets[i % viewers];
  const received = new Promise<number>((resolve) => (waiting = resolve));
  const sentAt = performance.now();
  viewer.send(JSON.stringify({ action: "ICE_CANDIDATE", messagePayload: candidate(i) }));
  latencies.push((await received) - sentAt);
}
latencies.sort((a, b) => a - b);

// Throughput: every viewer floods the master at once.
let count = 0;
const total = viewers * floodPerViewer;
const allIn = new Promise<number>((resolve) => {
  master.onmessage = () => {
    if (++count === total) resolve(performance.now());
  };
});
const floodStart = performance.now();
for (let i = 0; i < floodPerViewer; i++) {
  for (const viewer of viewerSockets) {
    viewer.send(JSON.stringify({ action: "ICE_CANDIDATE", messagePayload: candidate(i) }));
  }
}
const floodMs = (await allIn) - floodStart;

for (const ws of [master, ...viewerSockets]) ws.close();
await endpoint.stop();

const { name: runtimeName } = await runtime();
console.log(`signaling benchmark (${runtimeName}, loopback, 1 master + ${viewers} viewers)`);
console.log(
  `  endpoint start-up:          ${startedMs.toFixed(1)} ms (of which loading its modules ${
    loadedMs.toFixed(1)
  } ms)`,
);
console.log(`  first signed answer after:  ${firstAnswerMs.toFixed(1)} ms`);
console.log(
  `  relay latency (${latencySamples} msgs):  p50 ${percentile(latencies, 50).toFixed(3)} ms, ` +
    `p95 ${percentile(latencies, 95).toFixed(3)} ms`,
);
console.log(
  `  throughput:                 ${Math.round(total / (floodMs / 1000))} messages/s ` +
    `(${total} relayed in ${floodMs.toFixed(0)} ms)`,
);
