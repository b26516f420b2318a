import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Fragment } from "../../core/fragments/fragment.ts";
import { type FragmentListener, FragmentStore } from "../../core/fragments/fragment-store.ts";
import { fragmentListBody, getMediaBody, queuedChunks } from "../../core/fragments/media-bodies.ts";
import { type StartPoint, startPoint } from "../../core/fragments/start-selector.ts";
import { chunkTag, getMediaChunks } from "../helpers/get-media-chunks.ts";

const arn = "arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1";

/** A store that counts its live subscriptions. */
class CountingStore extends FragmentStore {
  following = 0;
  override follow(streamArn: string, listener: FragmentListener) {
    this.following++;
    const unfollow = super.follow(streamArn, listener);
    return () => {
      this.following--;
      unfollow();
    };
  }
}

function fragment(i: number): Fragment {
  return {
    producerTimestampMs: 1_000_000 + i * 100,
    durationMs: 100,
    tracks: [{ number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" }],
    frames: [{ track: 1, timecodeMs: 1_000_000 + i * 100, keyframe: true, data: Uint8Array.of(i) }],
    tags: [],
    sizeBytes: 1,
  };
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>) {
  const { value, done } = await reader.read();
  if (done) return undefined;
  const [chunk] = getMediaChunks(value);
  return chunk;
}

/** A GetMedia body over `store` from `start` that counts how often it ended. */
function body(
  store: FragmentStore,
  start: StartPoint,
  options: { idleEndMs?: number; now?: () => number; signal?: AbortSignal } = {},
) {
  const counts = { ended: 0 };
  const stream = getMediaBody({
    store,
    streamArn: arn,
    start,
    idleEndMs: options.idleEndMs ?? 60_000,
    now: options.now,
    onEnd: () => counts.ended++,
    signal: options.signal,
  });
  return { reader: stream.getReader(), counts };
}

const numberOf = (chunk: ReturnType<typeof getMediaChunks>[number] | undefined) =>
  chunk && chunkTag(chunk, "AWS_KINESISVIDEO_FRAGMENT_NUMBER");

describe("GetMedia and GetMediaForFragmentList bodies", () => {
  test("the stored fragments, then those that arrive, then the end once none comes", async () => {
    const store = new CountingStore();
    const stored = await Promise.all([0, 1].map((i) => store.append(arn, fragment(i))));
    const { reader, counts } = body(
      store,
      startPoint({ type: "EARLIEST" }, stored, (n) => store.get(arn, n)),
      { idleEndMs: 50 },
    );
    assert.equal(numberOf(await readChunk(reader)), stored[0].fragmentNumber);
    assert.equal(numberOf(await readChunk(reader)), stored[1].fragmentNumber);
    const pending = readChunk(reader);
    const live = await store.append(arn, fragment(2));
    assert.equal(numberOf(await pending), live.fragmentNumber);
    assert.equal(await readChunk(reader), undefined, "ends after the idle wait");
    assert.equal(counts.ended, 1);
    assert.equal(store.following, 0, "the live subscription is freed");
  });

  test("a reader that goes away frees the subscription at once", async () => {
    const store = new CountingStore();
    const { reader, counts } = body(store, startPoint({ type: "NOW" }, [], () => undefined));
    const pending = reader.read();
    assert.equal(store.following, 1);
    await reader.cancel();
    await pending;
    assert.equal(store.following, 0);
    assert.equal(counts.ended, 1);
  });

  test("the endpoint stopping ends a live body at once and frees its subscription", async () => {
    const store = new CountingStore();
    const stopping = new AbortController();
    const { reader, counts } = body(store, startPoint({ type: "NOW" }, [], () => undefined), {
      signal: stopping.signal,
    });
    const pending = reader.read();
    stopping.abort();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(store.following, 0);
    assert.equal(counts.ended, 1);
  });

  test("a reader that does not read holds at most one chunk ready, however many arrive", async () => {
    const store = new CountingStore();
    let made = 0;
    const { reader } = body(store, startPoint({ type: "EARLIEST" }, [], () => undefined), {
      now: () => (made++, Date.now()),
    });
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(arn, fragment(i))),
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(made <= queuedChunks, `${made} chunks made for a reader that took none`);
    for (const expected of all.slice(0, 3)) {
      assert.equal(numberOf(await readChunk(reader)), expected.fragmentNumber, "none skipped");
    }
    await reader.cancel();
  });

  test("a start that names no fragment is one error chunk, id 4000", async () => {
    const store = new CountingStore();
    const { reader, counts } = body(store, { notFound: "123" });
    const chunk = await readChunk(reader);
    assert.equal(chunk && chunkTag(chunk, "AWS_KINESISVIDEO_ERROR_ID"), "4000");
    assert.equal(await readChunk(reader), undefined);
    assert.equal(store.following, 0);
    assert.equal(counts.ended, 1);
  });

  test("a fragment list is sent in the order listed; an unknown number gets an error chunk", async () => {
    const store = new FragmentStore();
    const [a, b] = await Promise.all([0, 1].map((i) => store.append(arn, fragment(i))));
    const list = fragmentListBody(store, arn, [b.fragmentNumber, "42", a.fragmentNumber]);
    const bytes = new Uint8Array(await new Response(list).arrayBuffer());
    const chunks = getMediaChunks(bytes);
    assert.deepEqual(chunks.map((c) => numberOf(c)), [b.fragmentNumber, "42", a.fragmentNumber]);
    assert.equal(chunkTag(chunks[1], "AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE"), "4000");
  });
});
