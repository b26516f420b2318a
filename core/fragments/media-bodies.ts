/**
 * The bodies of GetMedia and GetMediaForFragmentList as web streams of chunks, pulled: a
 * chunk is made from the store only when the reader has taken the one before, so a slow
 * reader never makes the endpoint buffer more than `queuedChunks` (one fragment); the backlog
 * stays in the store, under its own bounds. GetMedia's reader keeps a cursor (the last fragment
 * number sent): a fragment the store has dropped before the reader got to it is skipped.
 *
 * When GetMedia ends (AWS documents only the first point; the rest is chosen here):
 * - "reading the HTTP response payload will time out after 3 seconds if there are no ingested
 *   fragments available": when there is nothing to send for `getMediaIdleEndMs`, the body
 *   ends. AWS streams a fragment while it is ingested, this store only once it is whole, so
 *   the wait also allows the duration of the fragment last sent (the next one is that late).
 * - The reader going away cancels the stream: the live subscription is freed then.
 * - No session length limit is documented; none is applied. AWS's 25 MB/s cap is not applied.
 */
import { concatBytes } from "../bytes/concat-bytes.ts";
import { compareFragmentNumbers, type StoredFragment } from "./fragment.ts";
import type { FragmentStore } from "./fragment-store.ts";
import {
  fragmentListChunk,
  fragmentListErrorChunk,
  getMediaChunk,
  getMediaErrorChunk,
  getMediaErrors,
} from "./get-media-stream.ts";
import type { StartPoint } from "./start-selector.ts";

/** Chunks a body holds ready beyond what the reader has taken: one fragment. */
export const queuedChunks = 1;

/** How long GetMedia waits with nothing to send before it ends (AWS: 3 s). */
export const getMediaIdleEndMs = 3000;

export interface GetMediaBodyOptions {
  store: FragmentStore;
  streamArn: string;
  start: StartPoint;
  now?: () => number;
  idleEndMs?: number;
  /** Called once when the body ends, however it ends. */
  onEnd?: () => void;
  /** Ends the body at once when aborted (the endpoint stopping). */
  signal?: AbortSignal;
}

/** The first fragment after `cursor` (numbers increase along the stored list). */
function firstAfter(fragments: readonly StoredFragment[], cursor: string) {
  let low = 0;
  let high = fragments.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareFragmentNumbers(fragments[mid].fragmentNumber, cursor) <= 0) low = mid + 1;
    else high = mid;
  }
  return fragments[low];
}

const strategy = new CountQueuingStrategy({ highWaterMark: queuedChunks });

/** GetMedia's body: the selected stored fragments, then the live edge as it comes. */
export function getMediaBody(options: GetMediaBodyOptions): ReadableStream<Uint8Array> {
  const { store, streamArn, start } = options;
  const now = options.now ?? Date.now;
  const idleEndMs = options.idleEndMs ?? getMediaIdleEndMs;
  const segmentUid = crypto.getRandomValues(new Uint8Array(16));
  let cursor: StoredFragment | undefined;
  let wake: (() => void) | undefined;
  let unfollow: (() => void) | undefined;
  let ended = false;
  let stop: (() => void) | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    unfollow?.();
    wake?.();
    if (stop) options.signal?.removeEventListener("abort", stop);
    options.onEnd?.();
  };
  // A stream that keeps no data (retention 0) is read at its live edge only: what arrives
  // waits here, at most `queuedChunks` of it (older ones are skipped, as the store's drops are).
  const unkept: StoredFragment[] = [];
  const next = (): StoredFragment | undefined => {
    if ("notFound" in start) return undefined;
    if (!store.keepsData(streamArn)) return unkept.shift();
    const fragments = store.fragments(streamArn);
    return cursor
      ? firstAfter(fragments, cursor.fragmentNumber)
      : fragments.find((f) => start.startsAt(f));
  };
  // Resolves when a fragment arrives (true) or the wait runs out (false).
  const arrival = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), idleEndMs + (cursor?.durationMs ?? 0));
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    }).finally(() => wake = undefined);

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if ("notFound" in start) {
        controller.enqueue(
          concatBytes(getMediaErrorChunk(start.notFound, getMediaErrors.fragmentNotFound)),
        );
        controller.close();
        end();
        return;
      }
      unfollow = store.follow(streamArn, (fragment) => {
        if (!store.keepsData(streamArn) && start.startsAt(fragment)) {
          unkept.push(fragment);
          if (unkept.length > queuedChunks) unkept.shift();
        }
        wake?.();
      });
      stop = () => {
        end();
        controller.close();
      };
      if (options.signal?.aborted) stop();
      else options.signal?.addEventListener("abort", stop, { once: true });
    },
    async pull(controller) {
      for (;;) {
        if (ended) return;
        const fragment = next();
        if (fragment) {
          cursor = fragment;
          controller.enqueue(concatBytes(getMediaChunk(fragment, { nowMs: now(), segmentUid })));
          return;
        }
        if (!await arrival() && !ended) {
          end();
          controller.close();
          return;
        }
      }
    },
    cancel: end,
  }, strategy);
}

/** GetMediaForFragmentList's body: the listed fragments in the order listed. */
export function fragmentListBody(
  store: FragmentStore,
  streamArn: string,
  fragmentNumbers: readonly string[],
): ReadableStream<Uint8Array> {
  const segmentUid = crypto.getRandomValues(new Uint8Array(16));
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index >= fragmentNumbers.length) return controller.close();
      const number = fragmentNumbers[index++];
      const fragment = store.get(streamArn, number);
      // A listed number the stream does not hold: an error chunk, then the rest (a guess).
      controller.enqueue(concatBytes(
        fragment ? fragmentListChunk(fragment, segmentUid) : fragmentListErrorChunk(
          number,
          getMediaErrors.fragmentNotFound,
          `Fragment ${number} is not in the stream.`,
        ),
      ));
    },
  }, strategy);
}
