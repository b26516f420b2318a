/**
 * `kvsrtc serve` as a user runs it: a child process that prints where it is, stops on a signal,
 * and keeps what it acknowledged in its data dir through a SIGKILL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DescribeSignalingChannelCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import {
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { localCredentialPair } from "../../adapters/local/mod.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { fragmentElements } from "../../core/mkv/mkv-writer.ts";
import { PutMediaProducer } from "../helpers/put-media-client.ts";
import { sampleFragments } from "../helpers/sample-fragments.ts";
import { presignedSignalingUrl, TestSignalingSocket } from "../helpers/local-endpoint.ts";

const main = resolve(import.meta.dirname!, "../../cli/main.ts");

/** Runs the CLI with the runtime running this test. */
function kvsrtc(args: string[]): ChildProcess {
  const runtimeArgs = basename(process.execPath).startsWith("deno") ? ["run", "-A"] : [];
  return spawn(process.execPath, [...runtimeArgs, main, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function collect(child: ChildProcess) {
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (output.stdout += d));
  child.stderr!.on("data", (d) => (output.stderr += d));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { output, exited };
}

async function startServe(args: string[]) {
  const child = kvsrtc(["serve", "--port", "0", ...args]);
  const { output, exited } = collect(child);
  const deadline = Date.now() + 20_000;
  while (!/clients:/.test(output.stdout)) {
    if (Date.now() > deadline) throw new Error(`serve did not start: ${output.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /at (http:\/\/\S+) \(region (\S+)\)/.exec(output.stdout)!;
  return { child, output, exited, url: url[1], region: url[2] };
}

test("serve prints its URL, region and the local pair, keeps state, and stops with GO_AWAY and exit 0", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-serve-"));
  try {
    const first = await startServe(["--data-dir", dataDir]);
    assert.equal(first.region, "us-west-2");
    assert.match(
      first.output.stdout,
      new RegExp(`AWS_ACCESS_KEY_ID=${localCredentialPair.accessKeyId} `),
    );
    assert.ok(first.output.stdout.includes(`recordings: ${first.url}/recordings `));
    const kvs = (url: string) =>
      new KinesisVideoClient({
        endpoint: url,
        region: "us-west-2",
        credentials: localCredentialPair,
      });
    const { ChannelARN } = await kvs(first.url).send(
      new CreateSignalingChannelCommand({ ChannelName: "served" }),
    );
    const master = await TestSignalingSocket.open(
      await presignedSignalingUrl({
        endpoint: first.url.replace("http:", "ws:"),
        channelArn: ChannelARN!,
        credentials: localCredentialPair,
        region: "us-west-2",
      }),
    );
    process.kill(first.child.pid!, "SIGTERM"); // (Deno's child.kill() reports a signal exit even after exit 0)
    await master.next((e) => e.messageType === "GO_AWAY", 10_000);
    await master.closed;
    assert.equal(await first.exited, 0);

    const second = await startServe(["--data-dir", dataDir]);
    const described = await kvs(second.url).send(
      new DescribeSignalingChannelCommand({ ChannelName: "served" }),
    );
    assert.equal(described.ChannelInfo?.ChannelARN, ChannelARN);
    process.kill(second.child.pid!, "SIGINT");
    assert.equal(await second.exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("serve refuses a non-loopback address without explicit credentials, exit 1", async () => {
  const { output, exited } = collect(
    kvsrtc(["serve", "--host", "0.0.0.0", "--port", "0"]),
  );
  assert.equal(await exited, 1);
  assert.match(output.stderr, /binding 0\.0\.0\.0 needs explicit credentials/);
});

test("serve killed with SIGKILL mid-upload keeps, after a restart on its data dir, every fragment acknowledged PERSISTED and nothing half-written", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "kvsrtc-serve-crash-"));
  try {
    const first = await startServe(["--data-dir", dataDir]);
    const kvs = new KinesisVideoClient({
      endpoint: first.url,
      region: first.region,
      credentials: localCredentialPair,
    });
    await kvs.send(new CreateStreamCommand({ StreamName: "crash", DataRetentionInHours: 24 }));
    const sample = sampleFragments({ seconds: 10 });
    const producer = new PutMediaProducer(
      { url: first.url, region: first.region, credentials: localCredentialPair },
      { streamName: "crash" },
      sample.tracks,
    );
    await producer.connect();
    const persisted: string[] = [];
    const whole = sample.fragments.slice(0, -1);
    const last = sample.fragments.at(-1)!;
    for (const fragment of whole) {
      producer.send(fragment);
      const ack = await producer.ack("PERSISTED", fragment);
      if ("FragmentNumber" in ack && ack.FragmentNumber) persisted.push(ack.FragmentNumber);
    }
    // The last fragment only half sent when the endpoint dies.
    const bytes = concatBytes(fragmentElements(last));
    producer.connection.write(bytes.subarray(0, bytes.length >> 1));
    await new Promise((r) => setTimeout(r, 100));
    process.kill(first.child.pid!, "SIGKILL");
    await first.exited;
    producer.connection.drop();

    const second = await startServe(["--data-dir", dataDir]);
    const archived = new KinesisVideoArchivedMediaClient({
      endpoint: second.url,
      region: second.region,
      credentials: localCredentialPair,
    });
    const listed = await archived.send(new ListFragmentsCommand({ StreamName: "crash" }));
    const numbers = (listed.Fragments ?? []).map((f) => f.FragmentNumber!).sort();
    assert.ok(persisted.length >= 3, `${persisted.length} fragments persisted before the kill`);
    assert.deepEqual(numbers, persisted);
    process.kill(second.child.pid!, "SIGINT");
    assert.equal(await second.exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
