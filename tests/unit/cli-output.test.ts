import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LineOutput, maxWaitingBytes } from "../../cli/output.ts";

/** A stream whose reader takes a write only when the test lets it. */
function heldStream() {
  const written: string[] = [];
  const pending: (() => void)[] = [];
  const decoder = new TextDecoder();
  return {
    written,
    pending,
    write: (_stream: string, bytes: Uint8Array) =>
      new Promise<void>((resolve) =>
        pending.push(() => {
          written.push(decoder.decode(bytes));
          resolve();
        })
      ),
    /** Lets every write through, those that come meanwhile too. */
    async drain() {
      while (pending.length > 0) {
        pending.shift()!();
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe("a command's line output", () => {
  test("returns at once while the reader is behind, and writes the lines in order later", async () => {
    const stream = heldStream();
    const output = new LineOutput("stdout", stream.write);
    output.line("one");
    output.line("two");
    assert.deepEqual(stream.written, []);
    await stream.drain();
    await output.written();
    assert.deepEqual(stream.written, ["one\n", "two\n"]);
  });

  test("drops lines past its byte bound and says how many once the reader has caught up", async () => {
    const stream = heldStream();
    const output = new LineOutput("stderr", stream.write);
    const line = "x".repeat(1023);
    const fit = maxWaitingBytes / 1024;
    for (let i = 0; i < fit + 10; i++) output.line(line);
    await stream.drain();
    await output.written();
    assert.equal(stream.written.length, fit + 1);
    assert.equal(stream.written.at(-1), "(10 lines not printed: the stderr reader fell behind)\n");
  });

  test("prints nothing more once the reader has gone", async () => {
    let writes = 0;
    const output = new LineOutput("stdout", () => {
      writes++;
      return Promise.reject(new Error("EPIPE"));
    });
    output.line("lost");
    await output.written();
    output.line("not tried");
    await output.written();
    assert.equal(writes, 1);
  });
});
