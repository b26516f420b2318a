/**
 * The fragment store: per stream (by ARN), the fragments in the order they were stored, with
 * their numbers, and a way to follow a stream's live edge. Every read-back reads it.
 *
 * It bounds what it holds: a stream keeps fragments for its DataRetentionInHours (none with
 * retention 0: such a stream is live only, see `keepsData`), and all streams together hold at
 * most `maxBytes`, the oldest fragments going first. With a FragmentLog (the adapter's files in
 * --data-dir) every kept fragment is also written down, and `append` resolves once it is durable.
 */
import {
  compareFragmentNumbers,
  type Fragment,
  fragmentNumber,
  parseFragmentNumber,
  type StoredFragment,
} from "./fragment.ts";

export type FragmentListener = (fragment: StoredFragment) => void;

/** 512 MiB over all streams: a few hours of a 1080p camera, and room on a small device. */
export const defaultStoreMaxBytes = 512 * 1024 * 1024;

/** What a fragment costs besides its bytes (the objects around them), an estimate. */
const fragmentOverheadBytes = 512;

/** Where kept fragments are written down; each operation of a stream happens in call order. */
export interface FragmentLog {
  /** Resolves once the fragment is durable (written and flushed). */
  write(streamArn: string, fragment: StoredFragment): Promise<void>;
  /** The stream's fragments up to and including `fragmentNumber` are no longer kept. */
  dropThrough(streamArn: string, fragmentNumber: string): void;
  deleteStream(streamArn: string): void;
}

export interface RecoveredFragment {
  streamArn: string;
  fragment: StoredFragment;
}

export interface FragmentStoreOptions {
  /** Bytes held over all streams (default defaultStoreMaxBytes). */
  maxBytes?: number;
  /** A stream's DataRetentionInHours; undefined (a stream it does not know) keeps everything. */
  retentionHours?: (streamArn: string) => number | undefined;
  /** Where a drop at the byte cap is reported, one line per stream and burst. */
  onWarning?: (line: string) => void;
  log?: FragmentLog;
  /** What the log held when it was opened, oldest first within each stream. */
  recovered?: Iterable<RecoveredFragment>;
}

/** The bytes a fragment keeps alive: its frames and its tracks' codec private data. */
export function heldBytes(fragment: Fragment): number {
  let bytes = fragmentOverheadBytes;
  for (const frame of fragment.frames) bytes += frame.data.byteLength;
  for (const track of fragment.tracks) bytes += track.codecPrivate?.byteLength ?? 0;
  return bytes;
}

export class FragmentStore {
  readonly #streams = new Map<string, StoredFragment[]>();
  readonly #listeners = new Map<string, Set<FragmentListener>>();
  readonly #options: FragmentStoreOptions;
  readonly maxBytes: number;
  #bytes = 0;
  #lastMs = 0;
  #sequence = 0;

  constructor(readonly now: () => number = Date.now, options: FragmentStoreOptions = {}) {
    this.#options = options;
    this.maxBytes = options.maxBytes ?? defaultStoreMaxBytes;
    for (const { streamArn, fragment } of options.recovered ?? []) {
      this.#keep(streamArn, fragment);
      const parsed = parseFragmentNumber(fragment.fragmentNumber);
      if (parsed && parsed.ms >= this.#lastMs) {
        this.#sequence = parsed.ms === this.#lastMs
          ? Math.max(this.#sequence, parsed.sequence)
          : parsed.sequence;
        this.#lastMs = parsed.ms;
      }
    }
    this.dropExpired();
    this.#enforceCap();
  }

  /** Bytes held now over all streams (see heldBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  /** False for a stream with retention 0: its fragments are numbered and followed, not kept. */
  keepsData(streamArn: string): boolean {
    return this.#options.retentionHours?.(streamArn) !== 0;
  }

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
   * Stores a fragment received from `serverTimestampMs` on and returns it with its number (the
   * one `reserveNumber` gave it, or a new one). It is served (fragments, get, followers) at
   * once; the promise resolves once it is durable (at once without a log, or for a stream that
   * keeps no data).
   */
  append(
    streamArn: string,
    fragment: Fragment,
    serverTimestampMs = this.now(),
    number = this.reserveNumber(serverTimestampMs),
  ): Promise<StoredFragment> {
    const stored = { ...fragment, fragmentNumber: number, serverTimestampMs };
    const kept = this.keepsData(streamArn);
    if (kept) {
      this.#keep(streamArn, stored);
      this.#dropExpiredFrom(streamArn);
      this.#enforceCap(stored);
    }
    for (const listener of this.#listeners.get(streamArn) ?? []) listener(stored);
    if (!kept || !this.#options.log) return Promise.resolve(stored);
    return this.#options.log.write(streamArn, stored).then(() => stored);
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
    for (const fragment of this.fragments(streamArn)) this.#bytes -= heldBytes(fragment);
    this.#streams.delete(streamArn);
    this.#options.log?.deleteStream(streamArn);
  }

  /** Drops every fragment older than its stream's retention; the adapter calls it on a timer. */
  dropExpired(): void {
    for (const streamArn of [...this.#streams.keys()]) this.#dropExpiredFrom(streamArn);
  }

  #keep(streamArn: string, fragment: StoredFragment): void {
    let fragments = this.#streams.get(streamArn);
    if (!fragments) this.#streams.set(streamArn, fragments = []);
    fragments.push(fragment);
    this.#bytes += heldBytes(fragment);
  }

  #dropExpiredFrom(streamArn: string): void {
    const hours = this.#options.retentionHours?.(streamArn);
    if (hours === undefined) return;
    const oldestKept = this.now() - hours * 3_600_000;
    const fragments = this.fragments(streamArn);
    let count = 0;
    while (count < fragments.length && fragments[count].serverTimestampMs < oldestKept) count++;
    this.#dropOldest(streamArn, count);
  }

  /** Drops the oldest fragments over all streams until under the cap; never `newest`, so a
   * fragment larger than the whole cap is still kept (alone). */
  #enforceCap(newest?: StoredFragment): void {
    const dropped = new Map<string, number>();
    let bytes = this.#bytes;
    while (bytes > this.maxBytes) {
      let oldest: [string, StoredFragment] | undefined;
      for (const [streamArn, fragments] of this.#streams) {
        const head = fragments[dropped.get(streamArn) ?? 0];
        if (
          head && head !== newest &&
          (!oldest || compareFragmentNumbers(head.fragmentNumber, oldest[1].fragmentNumber) < 0)
        ) oldest = [streamArn, head];
      }
      if (!oldest) break;
      bytes -= heldBytes(oldest[1]);
      dropped.set(oldest[0], (dropped.get(oldest[0]) ?? 0) + 1);
    }
    for (const [streamArn, count] of dropped) {
      this.#dropOldest(streamArn, count);
      this.#options.onWarning?.(
        `fragment store: over its cap of ${this.maxBytes} bytes, dropped the ${count} oldest ` +
          `fragment(s) of ${streamArn}`,
      );
    }
  }

  #dropOldest(streamArn: string, count: number): void {
    if (count === 0) return;
    const fragments = this.#streams.get(streamArn)!;
    const gone = fragments.splice(0, count);
    for (const fragment of gone) this.#bytes -= heldBytes(fragment);
    if (fragments.length === 0) this.#streams.delete(streamArn);
    this.#options.log?.dropThrough(streamArn, gone[gone.length - 1].fragmentNumber);
  }
}
