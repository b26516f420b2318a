/**
 * The fragment store: per stream (by ARN), the fragments in the order they were stored, with
 * their numbers, and a way to follow a stream's live edge. This is the in-memory store every
 * read-back reads; keeping fragments on disk and bounding them is layered on it.
 */
import {
  compareFragmentNumbers,
  type Fragment,
  fragmentNumber,
  type StoredFragment,
} from "./fragment.ts";

export type FragmentListener = (fragment: StoredFragment) => void;

export class FragmentStore {
  readonly #streams = new Map<string, StoredFragment[]>();
  readonly #listeners = new Map<string, Set<FragmentListener>>();
  #lastMs = 0;
  #sequence = 0;

  constructor(readonly now: () => number = Date.now) {}

  /**
   * The number of a fragment whose first byte arrived at `serverTimestampMs`, given before it
   * is stored: PutMedia acknowledges BUFFERING with it. Numbers never repeat; an unused one is
   * a gap, which AWS's numbers have too (they only increase).
   */
  reserveNumber(serverTimestampMs = this.now()): string {
    const ms = Math.max(Math.trunc(serverTimestampMs), this.#lastMs);
    this.#sequence = ms === this.#lastMs ? this.#sequence + 1 : 0;
    this.#lastMs = ms;
    return fragmentNumber(ms, this.#sequence);
  }

  /**
   * Stores a fragment received from `serverTimestampMs` on; returns it with its number (the
   * one `reserveNumber` gave it, or a new one).
   */
  append(
    streamArn: string,
    fragment: Fragment,
    serverTimestampMs = this.now(),
    number = this.reserveNumber(serverTimestampMs),
  ): StoredFragment {
    const stored = { ...fragment, fragmentNumber: number, serverTimestampMs };
    let fragments = this.#streams.get(streamArn);
    if (!fragments) this.#streams.set(streamArn, fragments = []);
    fragments.push(stored);
    for (const listener of this.#listeners.get(streamArn) ?? []) listener(stored);
    return stored;
  }

  /** The stream's fragments, oldest first. */
  fragments(streamArn: string): readonly StoredFragment[] {
    return this.#streams.get(streamArn) ?? [];
  }

  get(streamArn: string, number: string): StoredFragment | undefined {
    const fragments = this.fragments(streamArn);
    let low = 0;
    let high = fragments.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const order = compareFragmentNumbers(fragments[mid].fragmentNumber, number);
      if (order === 0) return fragments[mid];
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Calls `listener` with each fragment stored from now on; returns the unsubscribe. */
  follow(streamArn: string, listener: FragmentListener): () => void {
    let listeners = this.#listeners.get(streamArn);
    if (!listeners) this.#listeners.set(streamArn, listeners = new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  deleteStream(streamArn: string): void {
    this.#streams.delete(streamArn);
  }
}
