/**
 * A live stream that writes faster than any camera (a recording piped in, a broken pipe) is read
 * at most `maxLiveBytesPerSecond` a second: each byte read is garbage to collect, and read as
 * fast as a pipe gives them they took a Bun master to 260-280 MB.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import {
  maxLiveBytesPerSecond,
  type StreamParser,
  StreamSource,
} from "../../adapters/media/stream-source.ts";

/** An endless stream of 1 MiB chunks, one a turn of the event loop, as fast as it is read. */
function endless(): Readable {
  const chunk = new Uint8Array(2 ** 20);
  return Readable.from((async function* () {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      yield chunk;
    }
  })());
}

test("a live stream is read at most maxLiveBytesPerSecond a second", async () => {
  let bytes = 0;
  const parser: StreamParser = {
    format: "bytes",
    nothing: "no bytes",
    taken: 0,
    push: (chunk) => void (bytes += chunk.length),
    flush() {},
    drained: () => Promise.resolve(),
    stop() {},
  };
  const source = new StreamSource("an endless pipe", () => ({ stream: endless() }), {
    name: "the pipe",
    kind: "video",
    parser: () => parser,
    live: true,
  });
  source.start({ video() {}, audio() {} });
  await new Promise((r) => setTimeout(r, 2500));
  source.stop();
  // Three seconds begun in 2.5 s, the last one's bytes maybe all read; in each, a chunk or two
  // the stream had read already may still come after the hold (Bun).
  const chunksAfterHold = 2 * 2 ** 20;
  assert.ok(bytes > 2 * maxLiveBytesPerSecond, `read ${bytes} bytes in 2.5 s`);
  assert.ok(
    bytes <= 3 * (maxLiveBytesPerSecond + chunksAfterHold),
    `read ${bytes} bytes in 2.5 s`,
  );
});
