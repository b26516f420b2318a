/**
 * The members GetHLSStreamingSessionURL, GetDASHStreamingSessionURL and GetClip share: the
 * stream, a fragment selector (which timestamp and which range) and their timestamps, which
 * the SDKs send as epoch seconds.
 */
import { invalidArgument } from "../local-endpoint/errors.ts";
import { type JsonObject, optionalEnum, optionalObject } from "../local-endpoint/fields.ts";
import type { StoredFragment } from "../fragments/fragment.ts";

export type TimestampSource = "PRODUCER_TIMESTAMP" | "SERVER_TIMESTAMP";
export const timestampSources: readonly TimestampSource[] = [
  "PRODUCER_TIMESTAMP",
  "SERVER_TIMESTAMP",
];

export interface TimestampRange {
  startMs?: number;
  endMs?: number;
}

/** Where a fragment starts by the chosen timestamp, ms since the epoch. */
export function fragmentTime(fragment: StoredFragment, source: TimestampSource): number {
  return source === "PRODUCER_TIMESTAMP"
    ? fragment.producerTimestampMs
    : fragment.serverTimestampMs;
}

function timestamp(range: JsonObject, key: string): number | undefined {
  const value = range[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(`${key} must be a timestamp in seconds since the epoch.`);
  }
  return value * 1000;
}

export interface FragmentSelector {
  source: TimestampSource;
  range: TimestampRange;
}

/** The selector object named `key` (absent: the server timestamp, no range). */
export function fragmentSelector(body: JsonObject, key: string): FragmentSelector {
  const selector = optionalObject(body, key) ?? {};
  const source = optionalEnum(selector, "FragmentSelectorType", timestampSources) ??
    "SERVER_TIMESTAMP";
  const range = optionalObject(selector, "TimestampRange") ?? {};
  const startMs = timestamp(range, "StartTimestamp");
  const endMs = timestamp(range, "EndTimestamp");
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    throw invalidArgument("EndTimestamp must be later than StartTimestamp.");
  }
  return { source, range: { startMs, endMs } };
}

/**
 * The fragments whose chosen timestamp falls in the range, in timeline order. Fragments with
 * the same producer timestamp are kept once (the first ingested), as AWS deduplicates them.
 */
export function fragmentsInRange(
  fragments: readonly StoredFragment[],
  selector: FragmentSelector,
): StoredFragment[] {
  const { startMs = -Infinity, endMs = Infinity } = selector.range;
  const time = (f: StoredFragment) => fragmentTime(f, selector.source);
  const inRange = fragments.filter((f) => time(f) >= startMs && time(f) <= endMs);
  const seen = new Set<number>();
  return inRange
    .filter((f) => !seen.has(f.producerTimestampMs) && seen.add(f.producerTimestampMs))
    .sort((a, b) => time(a) - time(b));
}
