/**
 * kvsrtc as a user runs it, one process per command: flag mistakes are one line and the usage;
 * the viewer command the master prints runs as printed where it was printed, and its
 * `--frames N` writes and counts exactly N frames; with a viewer, the master's bandwidth status
 * line weighs its estimate against the bitrate ffmpeg's arguments name, or the measured one; a
 * stop signal at any moment of start-up ends a command cleanly.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { CreateSignalingChannelCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import { startLocalEndpoint } from "../../adapters/local/mod.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

const checkout = resolve(import.meta.dirname!, "../..");

function frameFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".h264"));
}

describe("a bad flag value is one line naming the flag, then the usage; exit 2", () => {
  for (
    const [args, problem] of [
      [["master", "--fps", "-1"], /^kvsrtc master: --fps "-1" must be a number from 1 to 240$/],
      [["viewer", "--frames", "-3"], /^kvsrtc viewer: --frames "-3" must be a whole number/],
      [["viewer", "--channel", "--json"], /^kvsrtc viewer: --channel needs a value/],
      [
        ["viewer", "--endpoint-url", "ftp://127.0.0.1:1"],
        /^kvsrtc viewer: --endpoint-url "ftp:\/\/127\.0\.0\.1:1" must be an http:\/\/ or https:\/\/ URL$/,
      ],
    ] as const
  ) {
    test(args.join(" "), async () => {
      const p = runKvsrtc([...args]);
      assert.equal(await p.exited, 2, p.output.stderr);
      const lines = p.output.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 2, p.output.stderr);
      assert.match(lines[0], problem);
      assert.match(lines[1], new RegExp(`^Usage: .* ${args[0]} `));
    });
  }
});

describe("what the master prints", () => {
  const running: KvsrtcProcess[] = [];
  after(async () => {
    for (const p of running) await p.stop();
  });

  async function startMaster(channel: string) {
    const master = runKvsrtc(["master", "--channel", channel], { cwd: checkout });
    running.push(master);
    const [, command] = await master.waitFor(/view it with: (.+)/, 20_000);
    const [, url] = /--endpoint-url (\S+)/.exec(command)!;
    return { command, url };
  }

  test("the viewer command runs as printed, in the shell and folder it was printed in", async () => {
    const { command } = await startMaster(`printed-${Date.now()}`);
    // A user's shell: no node_modules/.bin, which only npm's scripts have on PATH.
    const PATH = (process.env.PATH ?? "").split(delimiter)
      .filter((dir) => !dir.endsWith(join("node_modules", ".bin"))).join(delimiter);
    const shell = spawn("sh", ["-c", `${command} --frames 1`], {
      cwd: checkout,
      env: { ...process.env, PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    shell.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((done) => shell.on("exit", done));
    assert.equal(code, 0, `${command}\n${stderr}`);
    assert.match(stderr, /received 1 frames/);
  });

  test("viewer --frames N joining mid-GOP writes and counts exactly N frames", async () => {
    const { url } = await startMaster(`frames-${Date.now()}`);
    // Joining at different moments of the GOP: the master first sends its GOP so far at once.
    for (const [i, n] of [[1, 3], [2, 5], [3, 10]]) {
      await new Promise((r) => setTimeout(r, 230));
      const out = mkdtempSync(join(tmpdir(), "kvsrtc-frames-"));
      const channel = /--channel (\S+)/.exec(running.at(-1)!.output.stdout)![1];
      const viewer = runKvsrtc([
        "viewer",
        ...["--endpoint-url", url, "--channel", channel, "--client-id", `v${i}`],
        ...["--out", out, "--frames", String(n)],
      ]);
      assert.equal(await viewer.exited, 0, viewer.output.stderr);
      assert.equal(frameFiles(out).length, n, viewer.output.stderr);
      assert.match(viewer.output.stderr, new RegExp(`received ${n} frames`));
    }
  });
});

describe("the master's bandwidth status line", () => {
  const running: KvsrtcProcess[] = [];
  after(async () => {
    for (const p of running) await p.stop();
  });

  /** A master on `source` and one viewer; resolves with the master's first bandwidth line. */
  async function bandwidthLine(source: string, name: string): Promise<string> {
    const channel = `${name}-${Date.now()}`;
    const master = runKvsrtc(["master", "--channel", channel, "--source", source]);
    running.push(master);
    const [, url] = await master.waitFor(/--endpoint-url (\S+)/, 20_000);
    running.push(runKvsrtc(["viewer", "--endpoint-url", url, "--channel", channel]));
    // Status lines come every 10 s; the first may find the viewer still connecting.
    const [line] = await master.waitFor(/bandwidth: 1 viewer can take .*/, 40_000);
    return line;
  }

  const ffmpeg = "ffmpeg:-re -f lavfi -i testsrc2=size=320x180:rate=30 -c:v libx264 " +
    "-preset ultrafast -tune zerolatency -g 30 -bf 0 -pix_fmt yuv420p";

  test("with ffmpeg's -b:v, each viewer's estimate is weighed against it", async () => {
    const line = await bandwidthLine(`${ffmpeg} -b:v 400k`, "named-bitrate");
    assert.match(
      line,
      /^bandwidth: 1 viewer can take \d+\.\d\d Mbit\/s; source 0\.40 Mbit\/s \(ffmpeg -b:v 400k\)/,
    );
  });

  test("without a named bitrate, against the measured stream, said to be measured", async () => {
    const line = await bandwidthLine(`${ffmpeg} -crf 30`, "measured-bitrate");
    assert.match(line, /; stream \d+\.\d\d Mbit\/s \(measured: the source names no bitrate\)/);
  });
});

describe("SIGINT or SIGTERM during start-up stops the command cleanly", () => {
  test("master: a signal while it is starting (first line printed) stops it, exit 0", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const p = runKvsrtc(["master", "--channel", `early-${Date.now()}`]);
      await p.waitFor(/./, 20_000);
      process.kill(p.child.pid!, signal); // (Deno's child.kill() reports a signal exit even after exit 0)
      assert.equal(await p.exited, 0, `${signal}\n${p.output.stderr}`);
      assert.match(p.output.stderr, new RegExp(`${signal}: stopping`));
    }
  });

  test("viewer: SIGINT while it waits for a master that does not answer ends it at once", async () => {
    const endpoint = await startLocalEndpoint({});
    try {
      const kvs = new KinesisVideoClient({
        endpoint: endpoint.url,
        region: endpoint.region,
        credentials: endpoint.credentials,
      });
      await kvs.send(new CreateSignalingChannelCommand({ ChannelName: "nobody-home" }));
      const p = runKvsrtc(
        ["viewer", "--endpoint-url", endpoint.url, "--channel", "nobody-home", "--timeout", "60"],
        {
          env: {
            AWS_ACCESS_KEY_ID: endpoint.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: endpoint.credentials.secretAccessKey,
            AWS_REGION: endpoint.region,
          },
        },
      );
      await new Promise((r) => setTimeout(r, 2000));
      const sent = performance.now();
      process.kill(p.child.pid!, "SIGINT");
      assert.equal(await p.exited, 0, p.output.stderr);
      assert.ok(performance.now() - sent < 3000, "it stopped within 3 s");
      assert.match(p.output.stderr, /SIGINT: stopping before it connected/);
    } finally {
      await endpoint.stop();
    }
  });
});
