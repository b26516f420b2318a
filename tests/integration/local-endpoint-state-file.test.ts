/**
 * `--data-dir`: `kvsrtc serve` killed with SIGKILL while it saves leaves a state file that
 * parses, holding every change it acknowledged; a broken file stops start-up with one line.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSignalingChannelCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import { localCredentialPair } from "../../adapters/local/mod.ts";
import { loadState } from "../../adapters/local/state-file.ts";
import { runKvsrtc } from "../helpers/kvsrtc-process.ts";

const stateFile = "kvsrtc-endpoint-state.json";

function withDataDir(body: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-state-"));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe("local endpoint state file", () => {
  test(
    "SIGKILL at any moment leaves the old state or the new one, with every acknowledged channel",
    withDataDir(async (dir) => {
      const acknowledged: string[] = [];
      for (let round = 0; round < 10; round++) {
        const serve = runKvsrtc(["serve", "--port", "0", "--data-dir", dir]);
        const [, url] = await serve.waitFor(/at (http:\/\/\S+) /, 30_000);
        const kvs = new KinesisVideoClient({
          endpoint: url,
          region: "us-west-2",
          credentials: localCredentialPair,
          maxAttempts: 1,
        });
        // Tags make each save a file of some size, so the kill can land inside a write.
        const Tags = Array.from(
          { length: 50 },
          (_, i) => ({ Key: `k${i}`, Value: "v".repeat(200) }),
        );
        let killed = false;
        const creating = (async () => {
          for (let i = 0; !killed; i++) {
            const name = `round-${round}-${i}`;
            try {
              await kvs.send(new CreateSignalingChannelCommand({ ChannelName: name, Tags }));
              acknowledged.push(name);
            } catch {
              return;
            }
          }
        })();
        await new Promise((r) => setTimeout(r, 100 + 40 * round));
        killed = true;
        serve.child.kill("SIGKILL");
        await serve.exited;
        await creating;
        kvs.destroy();
        const state = loadState(dir);
        const saved = new Set(state?.channels.map((c) => c.name));
        assert.deepEqual(acknowledged.filter((name) => !saved.has(name)), [], `round ${round}`);
      }
      assert.ok(acknowledged.length > 6, `${acknowledged.length} channels created in all`);
    }),
  );

  test(
    "a truncated state file stops start-up with one line naming the file and the problem",
    withDataDir(async (dir) => {
      writeFileSync(join(dir, stateFile), '{"channels": [{"name": "a", "arn": "arn:a"');
      const serve = runKvsrtc(["serve", "--port", "0", "--data-dir", dir]);
      assert.equal(await serve.exited, 1);
      const lines = serve.output.stderr.trim().split("\n");
      assert.equal(lines.length, 1, serve.output.stderr);
      assert.match(
        lines[0],
        new RegExp(
          `^kvsrtc serve: the endpoint state file .*${stateFile} is broken \\(it is not JSON\\)`,
        ),
      );
    }),
  );

  test(
    "an empty file or one of the wrong shape is named as broken too",
    withDataDir((dir) => {
      const path = join(dir, stateFile);
      writeFileSync(path, "");
      assert.throws(() => loadState(dir), /state file .* is broken \(it is empty\)/);
      writeFileSync(path, '{"channels": [1], "streams": []}');
      assert.throws(() => loadState(dir), /is broken \(channel 0 is not an object\)/);
      writeFileSync(path, "[]");
      assert.throws(() => loadState(dir), /is broken \(it has no channels and streams lists\)/);
      return Promise.resolve();
    }),
  );
});
