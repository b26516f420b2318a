/**
 * ListFragments (kinesis-video-archived-media, `POST /listFragments`): a stream's fragments whose
 * producer or server timestamp lies in a range, a page at a time. AWS says the order is not
 * specified; this endpoint answers oldest first.
 */
import { invalidArgument } from "../local-endpoint/errors.ts";
import {
  type JsonObject,
  optionalInteger,
  optionalObject,
  optionalString,
  requiredEnum,
  requiredEpochSeconds,
} from "../local-endpoint/fields.ts";
import { streamFrom } from "../local-endpoint/control-plane.ts";
import type { Registry } from "../local-endpoint/registry.ts";
import { compareFragmentNumbers, type StoredFragment } from "./fragment.ts";
import type { FragmentStore } from "./fragment-store.ts";

/** AWS's bound on MaxResults; also the page size when none is asked for (AWS documents none). */
export const listFragmentsMaxResults = 1000;

const selectorTypes = ["PRODUCER_TIMESTAMP", "SERVER_TIMESTAMP"] as const;
type SelectorType = typeof selectorTypes[number];

/** What a NextToken carries: the selection and the last fragment number already returned. */
interface Selection {
  type?: SelectorType;
  startMs?: number;
  endMs?: number;
  after?: string;
}

const nextToken = { pattern: /^[a-zA-Z0-9+/]+={0,2}$/, min: 1, max: 4096 };

function selectionOf(body: JsonObject): Selection {
  const token = optionalString(body, "NextToken", nextToken);
  if (token !== undefined) return parseToken(token);
  const selector = optionalObject(body, "FragmentSelector");
  // The reference calls the selector required without a NextToken, yet AWS's own CLI example
  // lists a stream without one; guessed: no selector selects every fragment.
  if (!selector) return {};
  const type = requiredEnum(selector, "FragmentSelectorType", selectorTypes);
  const range = optionalObject(selector, "TimestampRange");
  if (!range) throw invalidArgument("FragmentSelector.TimestampRange must be given.");
  const startMs = requiredEpochSeconds(range, "StartTimestamp") * 1000;
  const endMs = requiredEpochSeconds(range, "EndTimestamp") * 1000;
  if (startMs > endMs) {
    throw invalidArgument("The StartTimestamp of the TimestampRange is after its EndTimestamp.");
  }
  return { type, startMs, endMs };
}

function parseToken(token: string): Selection {
  try {
    const value = JSON.parse(atob(token));
    if (value && typeof value === "object" && typeof value.after === "string") return value;
  } catch {
    // answered below
  }
  throw invalidArgument(`The NextToken '${token}' is not one this endpoint gave out.`);
}

function selects(selection: Selection, fragment: StoredFragment): boolean {
  if (selection.after && compareFragmentNumbers(fragment.fragmentNumber, selection.after) <= 0) {
    return false;
  }
  if (!selection.type) return true;
  const ms = selection.type === "SERVER_TIMESTAMP"
    ? fragment.serverTimestampMs
    : fragment.producerTimestampMs;
  return ms >= selection.startMs! && ms <= selection.endMs!;
}

export function listFragments(
  body: JsonObject,
  context: { registry: Registry; store: FragmentStore },
): JsonObject {
  const stream = streamFrom(body, context.registry);
  const maxResults = optionalInteger(body, "MaxResults", 1, listFragmentsMaxResults) ??
    listFragmentsMaxResults;
  const selection = selectionOf(body);
  const page: StoredFragment[] = [];
  let more = false;
  for (const fragment of context.store.fragments(stream.arn)) {
    if (!selects(selection, fragment)) continue;
    if (page.length === maxResults) {
      more = true;
      break;
    }
    page.push(fragment);
  }
  return {
    Fragments: page.map((f) => ({
      FragmentNumber: f.fragmentNumber,
      FragmentSizeInBytes: f.sizeBytes,
      ProducerTimestamp: f.producerTimestampMs / 1000,
      ServerTimestamp: f.serverTimestampMs / 1000,
      FragmentLengthInMilliseconds: f.durationMs,
    })),
    NextToken: more
      ? btoa(JSON.stringify({ ...selection, after: page[page.length - 1].fragmentNumber }))
      : undefined,
  };
}
