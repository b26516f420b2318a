import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import type { Fragment, StoredFragment } from "../../core/fragments/fragment.ts";
import {
  parseStartSelector,
  startPoint,
  type StartSelector,
} from "../../core/fragments/start-selector.ts";

const arn = "arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1";

/** An empty 2 s fragment, the `i`th of a stream from producer time 1_000_000 ms. */
const fragment = (i: number): Fragment => ({
  producerTimestampMs: 1_000_000 + i * 2000,
  durationMs: 2000,
  tracks: [],
  frames: [],
  tags: [],
  sizeBytes: 0,
});

/** Three 2 s fragments, each received at server time 5_000_000 ms + its producer offset. */
async function stream() {
  const store = new FragmentStore();
  const stored = await Promise.all(
    [0, 1, 2].map((i) => store.append(arn, fragment(i), 5_000_000 + i * 2000)),
  );
  return { store, stored };
}

/** The fragments a selector sends from the stored ones (its first and all after). */
function selected(
  selector: StartSelector,
  stored: readonly StoredFragment[],
  store: FragmentStore,
) {
  const point = startPoint(selector, stored, (n) => store.get(arn, n));
  if ("notFound" in point) return point;
  const first = stored.findIndex(point.startsAt);
  return first < 0 ? [] : stored.slice(first).map((f) => f.fragmentNumber);
}

function invalid(body: unknown): string {
  try {
    parseStartSelector(body as Record<string, unknown>);
  } catch (error) {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.errorType, "InvalidArgumentException");
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail("expected an InvalidArgumentException");
}

describe("GetMedia start selector", () => {
  test("EARLIEST starts with the oldest stored fragment", async () => {
    const { store, stored } = await stream();
    assert.deepEqual(
      selected(
        parseStartSelector({ StartSelector: { StartSelectorType: "EARLIEST" } }),
        stored,
        store,
      ),
      stored.map((f) => f.fragmentNumber),
    );
  });

  test("NOW sends no stored fragment, only the next to arrive", async () => {
    const { store, stored } = await stream();
    const selector = parseStartSelector({ StartSelector: { StartSelectorType: "NOW" } });
    assert.deepEqual(selected(selector, stored, store), []);
    const point = startPoint(selector, stored, (n) => store.get(arn, n));
    assert.ok("startsAt" in point);
    const next = await store.append(arn, { ...stored[0], producerTimestampMs: 2_000_000 });
    assert.equal(point.startsAt(next), true);
  });

  test("NOW on an empty stream takes the first fragment to arrive", async () => {
    const point = startPoint({ type: "NOW" }, [], () => undefined);
    assert.ok("startsAt" in point);
    const { stored } = await stream();
    assert.equal(point.startsAt(stored[0]), true);
  });

  test("FRAGMENT_NUMBER starts with the fragment after AfterFragmentNumber", async () => {
    const { store, stored } = await stream();
    const selector = parseStartSelector({
      StartSelector: {
        StartSelectorType: "FRAGMENT_NUMBER",
        AfterFragmentNumber: stored[0].fragmentNumber,
      },
    });
    assert.deepEqual(selected(selector, stored, store), [
      stored[1].fragmentNumber,
      stored[2].fragmentNumber,
    ]);
  });

  test("CONTINUATION_TOKEN resumes exactly after the chunk whose token it is", async () => {
    const { store, stored } = await stream();
    const selector = parseStartSelector({
      StartSelector: {
        StartSelectorType: "CONTINUATION_TOKEN",
        ContinuationToken: stored[1].fragmentNumber,
      },
    });
    assert.deepEqual(selected(selector, stored, store), [stored[2].fragmentNumber]);
  });

  test("a fragment number or token naming no fragment of the stream is 'not found'", async () => {
    const { store, stored } = await stream();
    const unknown = "91343852333000000000000000000000000000000000001";
    assert.deepEqual(
      selected({ type: "FRAGMENT_NUMBER", afterFragmentNumber: unknown }, stored, store),
      { notFound: unknown },
    );
    assert.deepEqual(
      selected({ type: "CONTINUATION_TOKEN", continuationToken: "not-a-number" }, stored, store),
      { notFound: "not-a-number" },
    );
  });

  test("PRODUCER_TIMESTAMP starts with the fragment containing the time, else the next one", async () => {
    const { store, stored } = await stream();
    const at = (seconds: number) =>
      selected(
        parseStartSelector({
          StartSelector: { StartSelectorType: "PRODUCER_TIMESTAMP", StartTimestamp: seconds },
        }),
        stored,
        store,
      );
    const numbers = stored.map((f) => f.fragmentNumber);
    assert.deepEqual(at(1000), numbers, "at the first fragment's start");
    assert.deepEqual(at(1003.5), numbers.slice(1), "inside the second fragment");
    assert.deepEqual(at(999), numbers, "before every fragment");
    assert.deepEqual(at(1006), [], "after every fragment: the live edge");
  });

  test("SERVER_TIMESTAMP reads the server's receive times", async () => {
    const { store, stored } = await stream();
    const selector = parseStartSelector({
      StartSelector: { StartSelectorType: "SERVER_TIMESTAMP", StartTimestamp: 5002.25 },
    });
    assert.deepEqual(selected(selector, stored, store), [
      stored[1].fragmentNumber,
      stored[2].fragmentNumber,
    ]);
    assert.deepEqual(
      selected({ type: "PRODUCER_TIMESTAMP", startTimestampMs: 5_002_250 }, stored, store),
      [],
      "the same time as a producer timestamp is past the stream",
    );
  });

  test("a server time in a burst of fragments received together starts with the burst's first", async () => {
    const store = new FragmentStore();
    const times = [5_000_000, 5_000_020, 5_000_020, 5_000_040];
    const stored = await Promise.all(times.map((t, i) => store.append(arn, fragment(i), t)));
    const numbers = stored.map((f) => f.fragmentNumber);
    const at = (ms: number) =>
      selected({ type: "SERVER_TIMESTAMP", startTimestampMs: ms }, stored, store);
    assert.deepEqual(at(5_000_020), numbers.slice(1));
    assert.deepEqual(at(5_000_030), numbers.slice(1));
    assert.deepEqual(at(5_000_010), numbers);
    assert.deepEqual(at(5_002_040), [], "past the last fragment's duration");
  });

  const invalidSelectors: [string, Record<string, unknown>, RegExp][] = [
    ["no StartSelector", {}, /StartSelector must be given/],
    ["no type", { StartSelector: {} }, /StartSelectorType must be given/],
    [
      "an unknown type",
      { StartSelector: { StartSelectorType: "LATEST" } },
      /'startSelectorType' failed to satisfy constraint: Member must satisfy enum value set/,
    ],
    [
      "FRAGMENT_NUMBER without a number",
      { StartSelector: { StartSelectorType: "FRAGMENT_NUMBER" } },
      /AfterFragmentNumber must be given/,
    ],
    [
      "a fragment number with a letter",
      { StartSelector: { StartSelectorType: "FRAGMENT_NUMBER", AfterFragmentNumber: "12a" } },
      /'afterFragmentNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: \[0-9\]\+/,
    ],
    [
      "a fragment number over 128 digits",
      {
        StartSelector: {
          StartSelectorType: "FRAGMENT_NUMBER",
          AfterFragmentNumber: "1".repeat(129),
        },
      },
      /length less than or equal to 128/,
    ],
    [
      "SERVER_TIMESTAMP without a time",
      { StartSelector: { StartSelectorType: "SERVER_TIMESTAMP" } },
      /StartTimestamp must be given/,
    ],
    [
      "a time that is not a number",
      { StartSelector: { StartSelectorType: "PRODUCER_TIMESTAMP", StartTimestamp: "yesterday" } },
      /StartTimestamp must be a time in seconds/,
    ],
    [
      "CONTINUATION_TOKEN without a token",
      { StartSelector: { StartSelectorType: "CONTINUATION_TOKEN" } },
      /ContinuationToken must be given/,
    ],
    [
      "a token with a space",
      { StartSelector: { StartSelectorType: "CONTINUATION_TOKEN", ContinuationToken: "a b" } },
      /'continuationToken' failed to satisfy constraint/,
    ],
  ];
  for (const [what, body, message] of invalidSelectors) {
    test(`${what} is AWS's InvalidArgumentException naming the member`, () => {
      assert.match(invalid(body), message);
    });
  }
});
