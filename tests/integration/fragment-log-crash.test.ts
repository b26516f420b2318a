/**
 * Crash safety of the fragment log, for real: a child process appends fragments and prints each
 * one's number once its append resolved (durable); it is killed with SIGKILL mid-stream. Every
 * printed fragment must then be there, whole, and nothing else but whole fragments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { openFragmentLog } from "../../adapters/local/fragment-log.ts";
import { crashStreamArn, writtenFragment } from "../helpers/fragment-log-writer.ts";

const writer = resolve(import.meta.dirname!, "../helpers/fragment-log-writer.ts");

/** Runs the writer until it has printed `count` lines, then SIGKILLs it; its printed lines. */
async function writeUntilKilled(dir: string, count: number): Promise<string[]> {
  const runtimeArgs = basename(process.execPath).startsWith("deno") ? ["run", "-A"] : [];
  const child = spawn(process.execPath, [...runtimeArgs, writer, dir, String(1024 * 1024)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((done) => child.on("exit", done));
  await new Promise<void>((enough, failed) => {
    const timer = setTimeout(
      () => failed(new Error(`writer too slow:\n${stdout}\n${stderr}`)),
      60_000,
    );
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.split("\n").length > count) {
        child.kill("SIGKILL");
        clearTimeout(timer);
        enough();
      }
    });
    child.on("exit", () => failed(new Error(`writer exited:\n${stderr}`)));
  });
  await exited;
  // Only whole lines: the kill may land in the middle of one.
  return stdout.split("\n").slice(0, -1);
}

test("after SIGKILL mid-append, every fragment reported durable is there and intact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-crash-"));
  try {
    const printed: string[] = [];
    for (const round of [1, 2]) {
      printed.push(...await writeUntilKilled(dir, 40));
      const warnings: string[] = [];
      const { log, recovered } = openFragmentLog(dir, { onWarning: (l) => warnings.push(l) });
      await log.close();
      const byNumber = new Map(recovered.map((r) => [r.fragment.fragmentNumber, r]));
      for (const line of printed) {
        const [number, n] = line.split(" ");
        const found = byNumber.get(number);
        assert.ok(found, `round ${round}: fragment ${n} (${number}) is missing`);
      }
      for (const { streamArn, fragment } of recovered) {
        assert.equal(streamArn, crashStreamArn);
        const n = Number(fragment.tags[0].value);
        const { frames, producerTimestampMs } = writtenFragment(n);
        assert.equal(fragment.producerTimestampMs, producerTimestampMs);
        assert.deepEqual(fragment.frames.map((f) => f.data), frames.map((f) => f.data), `#${n}`);
      }
      // At most one more per run: durable, killed before it printed.
      assert.ok(recovered.length <= printed.length + round, "nothing made up");
      console.log(
        `round ${round}: ${printed.length} printed, ${recovered.length} recovered; ${
          warnings.join("; ") || "no torn tail"
        }`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
