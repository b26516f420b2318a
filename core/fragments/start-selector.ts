/**
 * GetMedia's StartSelector: read from the request as AWS validates it, and turned into the
 * first fragment to send. Every selector reads on past the stored fragments into the live
 * edge; they differ only in where they start.
 *
 * AWS's rules (API reference, GetMedia / StartSelector): AfterFragmentNumber is 1-128 digits
 * and required with FRAGMENT_NUMBER; StartTimestamp is required with SERVER_TIMESTAMP and
 * PRODUCER_TIMESTAMP; ContinuationToken (1-128 of [a-zA-Z0-9_.-]) with CONTINUATION_TOKEN; a
 * missing member is an InvalidArgumentException. A fragment number or token that names no
 * fragment of the stream is not a request error: the call succeeds and its body is one error
 * chunk, id 4000 "Requested fragment is not found" (the documented GetMedia error id; that it
 * comes this way rather than as an HTTP error is a guess).
 */
import { invalidArgument } from "../local-endpoint/errors.ts";
import {
  type JsonObject,
  optionalEnum,
  optionalObject,
  optionalString,
  type StringRule,
} from "../local-endpoint/fields.ts";
import { compareFragmentNumbers, type StoredFragment } from "./fragment.ts";

export const startSelectorTypes = [
  "FRAGMENT_NUMBER",
  "SERVER_TIMESTAMP",
  "PRODUCER_TIMESTAMP",
  "NOW",
  "EARLIEST",
  "CONTINUATION_TOKEN",
] as const;

export type StartSelector =
  | { type: "NOW" | "EARLIEST" }
  | { type: "FRAGMENT_NUMBER"; afterFragmentNumber: string }
  | { type: "SERVER_TIMESTAMP" | "PRODUCER_TIMESTAMP"; startTimestampMs: number }
  | { type: "CONTINUATION_TOKEN"; continuationToken: string };

const fragmentNumberRule = { pattern: /^[0-9]+$/, min: 1, max: 128 };
const continuationTokenRule = { pattern: /^[a-zA-Z0-9_.\-]+$/, min: 1, max: 128 };

const missing = (member: string, type: string) =>
  invalidArgument(`StartSelector.${member} must be given when StartSelectorType is ${type}.`);

/** A string member the selector's type requires. */
function member(selector: JsonObject, key: string, rule: StringRule, type: string): string {
  const value = optionalString(selector, key, rule);
  if (value === undefined) throw missing(key, type);
  return value;
}

/** The StartSelector of a GetMedia request body. */
export function parseStartSelector(body: JsonObject): StartSelector {
  const selector = optionalObject(body, "StartSelector");
  if (!selector) throw invalidArgument("StartSelector must be given.");
  const type = optionalEnum(selector, "StartSelectorType", startSelectorTypes);
  if (!type) throw invalidArgument("StartSelector.StartSelectorType must be given.");
  switch (type) {
    case "NOW":
    case "EARLIEST":
      return { type };
    case "FRAGMENT_NUMBER":
      return {
        type,
        afterFragmentNumber: member(selector, "AfterFragmentNumber", fragmentNumberRule, type),
      };
    case "SERVER_TIMESTAMP":
    case "PRODUCER_TIMESTAMP": {
      const seconds = selector.StartTimestamp;
      if (seconds === undefined || seconds === null) throw missing("StartTimestamp", type);
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
        throw invalidArgument(
          `StartSelector.StartTimestamp must be a time in seconds since the epoch, not ${
            JSON.stringify(seconds)
          }.`,
        );
      }
      return { type, startTimestampMs: Math.round(seconds * 1000) };
    }
    case "CONTINUATION_TOKEN":
      return {
        type,
        continuationToken: member(selector, "ContinuationToken", continuationTokenRule, type),
      };
  }
}

/**
 * Where a selector starts: `startsAt` is true for the first fragment to send and every one
 * after it (fragments come in store order), or `notFound` names the fragment it could not find.
 */
export type StartPoint =
  | { startsAt: (fragment: StoredFragment) => boolean }
  | { notFound: string };

/** The start point of `selector` in a stream whose stored fragments are `stored` (oldest first). */
export function startPoint(
  selector: StartSelector,
  stored: readonly StoredFragment[],
  find: (fragmentNumber: string) => StoredFragment | undefined,
): StartPoint {
  switch (selector.type) {
    case "EARLIEST":
      return { startsAt: () => true };
    case "NOW": {
      // "Start with the latest chunk": the next fragment to arrive, the live edge. A stored
      // fragment, complete already, is not sent (a guess: AWS serves the chunk being ingested).
      const newest = stored.at(-1)?.fragmentNumber;
      return {
        startsAt: (f) =>
          newest === undefined || compareFragmentNumbers(f.fragmentNumber, newest) > 0,
      };
    }
    case "FRAGMENT_NUMBER":
    case "CONTINUATION_TOKEN": {
      // A continuation token is the fragment number of the last chunk read (as AWS's are).
      const after = selector.type === "FRAGMENT_NUMBER"
        ? selector.afterFragmentNumber
        : selector.continuationToken;
      if (!find(after)) return { notFound: after };
      return { startsAt: (f) => compareFragmentNumbers(f.fragmentNumber, after) > 0 };
    }
    case "SERVER_TIMESTAMP":
    case "PRODUCER_TIMESTAMP": {
      const at = selector.startTimestampMs;
      const time = (f: StoredFragment) =>
        selector.type === "SERVER_TIMESTAMP" ? f.serverTimestampMs : f.producerTimestampMs;
      // The chunk containing the time: the latest to start at or before it, while the time is
      // within its duration (of fragments starting at the same time, the first); else the
      // first to start after it. Fragments received in a burst share server times, so a
      // server time picks out the burst's first.
      const latest = stored.findLast((f) => time(f) <= at);
      const containing = latest && at < time(latest) + Math.max(latest.durationMs, 1)
        ? stored.find((f) => time(f) === time(latest))
        : undefined;
      if (containing) {
        const from = containing.fragmentNumber;
        return { startsAt: (f) => compareFragmentNumbers(f.fragmentNumber, from) >= 0 };
      }
      return { startsAt: (f) => time(f) > at };
    }
  }
}
