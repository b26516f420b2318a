import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Fragment } from "../../core/fragments/fragment.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import { listFragments } from "../../core/fragments/list-fragments.ts";
import { controlPlaneOperations } from "../../core/local-endpoint/control-plane.ts";
import { Registry } from "../../core/local-endpoint/registry.ts";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import type { JsonObject } from "../../core/local-endpoint/fields.ts";

const fragment = (producerSeconds: number): Fragment => ({
  producerTimestampMs: producerSeconds * 1000,
  durationMs: 2000,
  tracks: [],
  frames: [],
  tags: [],
  sizeBytes: 1234,
});

/** A stream "s" with ten fragments: producer times 100..109 s, server times 1000.5..1009.5 s. */
async function setUp() {
  const registry = new Registry("us-west-2");
  const context = { registry, urls: { https: "", wss: "" }, now: () => 1 };
  const { StreamARN } = controlPlaneOperations["/createStream"](
    { StreamName: "s", DataRetentionInHours: 1 },
    context,
  );
  const store = new FragmentStore();
  for (let i = 0; i < 10; i++) {
    await store.append(StreamARN as string, fragment(100 + i), 1_000_500 + i * 1000);
  }
  return (body: JsonObject) => listFragments({ StreamName: "s", ...body }, { registry, store });
}

const producerTimes = (answer: JsonObject) =>
  (answer.Fragments as JsonObject[]).map((f) => f.ProducerTimestamp);

function refusal(call: () => unknown, name: string, text: RegExp) {
  assert.throws(call, (error) => {
    assert.ok(error instanceof ServiceError);
    assert.equal(error.errorType, name);
    assert.match(error.message, text);
    return true;
  });
}

describe("ListFragments", () => {
  test("a fragment's fields, timestamps in epoch seconds with their fraction", async () => {
    const list = await setUp();
    const [first] = list({}).Fragments as JsonObject[];
    assert.deepEqual(Object.keys(first).sort(), [
      "FragmentLengthInMilliseconds",
      "FragmentNumber",
      "FragmentSizeInBytes",
      "ProducerTimestamp",
      "ServerTimestamp",
    ]);
    assert.equal(first.ServerTimestamp, 1000.5);
    assert.equal(first.ProducerTimestamp, 100);
    assert.equal(first.FragmentSizeInBytes, 1234);
    assert.equal(first.FragmentLengthInMilliseconds, 2000);
  });

  test("both selector types select by their timestamp, both ends included", async () => {
    const list = await setUp();
    const by = (type: string, start: number, end: number) =>
      producerTimes(list({
        FragmentSelector: {
          FragmentSelectorType: type,
          TimestampRange: { StartTimestamp: start, EndTimestamp: end },
        },
      }));
    assert.deepEqual(by("PRODUCER_TIMESTAMP", 102, 104), [102, 103, 104]);
    assert.deepEqual(by("SERVER_TIMESTAMP", 1002, 1004), [102, 103]);
    assert.deepEqual(by("SERVER_TIMESTAMP", 1002.5, 1002.5), [102]);
    assert.deepEqual(by("PRODUCER_TIMESTAMP", 200, 300), []);
    assert.deepEqual(producerTimes(list({})).length, 10, "no selector: every fragment");
  });

  test("pages of MaxResults follow each other through NextToken, the selector kept", async () => {
    const list = await setUp();
    const selector = {
      FragmentSelectorType: "PRODUCER_TIMESTAMP",
      TimestampRange: { StartTimestamp: 101, EndTimestamp: 108 },
    };
    const pages: unknown[][] = [];
    let token: unknown;
    do {
      const answer = list({ MaxResults: 3, FragmentSelector: selector, NextToken: token });
      pages.push(producerTimes(answer));
      token = answer.NextToken;
      assert.ok(pages.length < 10);
    } while (token);
    assert.deepEqual(pages, [[101, 102, 103], [104, 105, 106], [107, 108]]);
    const exact = list({ MaxResults: 10 });
    assert.equal(exact.NextToken, undefined, "no token when nothing is left");
  });

  test("bad input is refused with AWS's errors", async () => {
    const list = await setUp();
    refusal(() => list({ StreamName: "nope" }), "ResourceNotFoundException", /nope/);
    refusal(() => list({ MaxResults: 0 }), "InvalidArgumentException", /maxResults/);
    refusal(
      () => list({ MaxResults: 1001 }),
      "InvalidArgumentException",
      /less than or equal to 1000/,
    );
    refusal(() => list({ NextToken: "bm90IGpzb24=" }), "InvalidArgumentException", /NextToken/);
    refusal(() => list({ NextToken: "#" }), "InvalidArgumentException", /nextToken/);
    refusal(
      () => list({ FragmentSelector: { FragmentSelectorType: "NOW", TimestampRange: {} } }),
      "InvalidArgumentException",
      /enum value set/,
    );
    refusal(
      () => list({ FragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP" } }),
      "InvalidArgumentException",
      /TimestampRange/,
    );
    refusal(
      () =>
        list({
          FragmentSelector: {
            FragmentSelectorType: "SERVER_TIMESTAMP",
            TimestampRange: { StartTimestamp: 5, EndTimestamp: 4 },
          },
        }),
      "InvalidArgumentException",
      /after its EndTimestamp/,
    );
    refusal(
      () =>
        list({
          FragmentSelector: {
            FragmentSelectorType: "SERVER_TIMESTAMP",
            TimestampRange: { StartTimestamp: "yesterday", EndTimestamp: 4 },
          },
        }),
      "InvalidArgumentException",
      /startTimestamp/,
    );
    refusal(
      () => listFragments({}, { registry: new Registry("r"), store: new FragmentStore() }),
      "InvalidArgumentException",
      /StreamName or StreamARN/,
    );
  });
});
