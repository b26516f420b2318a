import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AckParser,
  type AckParserEvent,
  maxAckLineBytes,
  parseAck,
} from "../../core/producer/ack-parser.ts";

const number = "91343852333181432392682062607743920146264121426";

/** The spec §6.2 examples, and what each must parse to. */
const examples: [string, AckParserEvent][] = [
  [
    `{"EventType":"BUFFERING","FragmentTimecode":1700000000000,"FragmentNumber":"${number}"}`,
    {
      kind: "ack",
      ack: { eventType: "BUFFERING", fragmentTimecode: 1700000000000, fragmentNumber: number },
    },
  ],
  [
    `{"EventType":"RECEIVED","FragmentTimecode":1700000000000,"FragmentNumber":"${number}"}`,
    {
      kind: "ack",
      ack: { eventType: "RECEIVED", fragmentTimecode: 1700000000000, fragmentNumber: number },
    },
  ],
  [
    `{"EventType":"PERSISTED","FragmentTimecode":1700000000000,"FragmentNumber":"${number}"}`,
    {
      kind: "ack",
      ack: { eventType: "PERSISTED", fragmentTimecode: 1700000000000, fragmentNumber: number },
    },
  ],
  [
    `{"EventType":"ERROR","FragmentTimecode":1700000002000,"FragmentNumber":"${number}",` +
    `"ErrorId":4004,"ErrorCode":"FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS"}`,
    {
      kind: "ack",
      ack: {
        eventType: "ERROR",
        fragmentTimecode: 1700000002000,
        fragmentNumber: number,
        errorId: 4004,
        errorCode: "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS",
      },
    },
  ],
  [`{"EventType":"IDLE"}`, { kind: "ack", ack: { eventType: "IDLE" } }],
];

const encode = (text: string) => new TextEncoder().encode(text);
const body = examples.map(([line]) => line).join("\n") + "\n";
const expected = examples.map(([, event]) => event);

describe("PutMedia acknowledgement parser", () => {
  test("parses the spec's acknowledgements, whole", () => {
    assert.deepEqual(new AckParser().push(encode(body)), expected);
  });

  test("parses them split in two at every byte", () => {
    const bytes = encode(body);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new AckParser();
      const events = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
      assert.deepEqual(events, expected, `cut at byte ${cut}`);
    }
  });

  test("parses them a byte at a time, CRLF line ends and blank lines between", () => {
    const bytes = encode(body.replaceAll("\n", "\r\n\r\n"));
    const parser = new AckParser();
    const events = [...bytes].flatMap((b) => parser.push(Uint8Array.of(b)));
    assert.deepEqual(events, expected);
  });

  test("skips unknown keys, nested values included", () => {
    const line = `{"Extra":{"a":[1,{"b":2}]},"EventType":"RECEIVED","FragmentTimecode":5,"Z":null}`;
    assert.deepEqual(parseAck(line), { eventType: "RECEIVED", fragmentTimecode: 5 });
  });

  test("reports a bad line and goes on with the next", () => {
    const parser = new AckParser();
    const events = parser.push(encode(`{"EventType":"RECEI\n{"EventType":"IDLE"}\n`));
    assert.deepEqual(events, [
      { kind: "bad-line", line: `{"EventType":"RECEI`, reason: "not JSON" },
      { kind: "ack", ack: { eventType: "IDLE" } },
    ]);
  });

  test("says what is wrong with a line that is JSON but no acknowledgement", () => {
    const cases: [string, RegExp][] = [
      [`[1]`, /not a JSON object/],
      [`{"eventtype":"IDLE"}`, /unknown EventType undefined/],
      [`{"EventType":"DONE"}`, /unknown EventType "DONE"/],
      [`{"EventType":"PERSISTED"}`, /PERSISTED acknowledgement without FragmentTimecode/],
      [`{"EventType":"RECEIVED","FragmentTimecode":"12"}`, /FragmentTimecode "12"/],
      [`{"EventType":"RECEIVED","FragmentTimecode":1.5}`, /FragmentTimecode 1.5/],
      [`{"EventType":"RECEIVED","FragmentTimecode":1,"FragmentNumber":12}`, /FragmentNumber 12/],
      [
        `{"EventType":"ERROR","FragmentTimecode":1}`,
        /ERROR acknowledgement with ErrorId undefined/,
      ],
      [`{"EventType":"ERROR","ErrorId":200}`, /ErrorId 200/],
    ];
    for (const [line, reason] of cases) {
      const parsed = parseAck(line);
      assert.equal(typeof parsed, "string", line);
      assert.match(parsed as string, reason, line);
    }
  });

  test("an ERROR without a fragment (the whole connection's) parses", () => {
    assert.deepEqual(
      parseAck(
        `{"EventType":"ERROR","ErrorId":4003,"ErrorCode":"MAX_CONNECTION_DURATION_REACHED"}`,
      ),
      { eventType: "ERROR", errorId: 4003, errorCode: "MAX_CONNECTION_DURATION_REACHED" },
    );
  });

  test("a line past the bound is reported once and skipped, and the next parses", () => {
    const parser = new AckParser();
    const long = encode(`{"EventType":"IDLE","Pad":"${"x".repeat(maxAckLineBytes)}"}`);
    const events = [
      ...parser.push(long.subarray(0, 1000)),
      ...parser.push(long.subarray(1000)),
      ...parser.push(encode(`\n{"EventType":"IDLE"}\n`)),
    ];
    assert.equal(events.length, 2);
    assert.equal(events[0].kind, "bad-line");
    assert.match((events[0] as { reason: string }).reason, /longer than 16384 bytes/);
    assert.deepEqual(events[1], { kind: "ack", ack: { eventType: "IDLE" } });
  });

  test("a last line without its newline counts when the response ends", () => {
    const parser = new AckParser();
    assert.deepEqual(parser.push(encode(`{"EventType":"IDLE"}`)), []);
    assert.deepEqual(parser.end(), [{ kind: "ack", ack: { eventType: "IDLE" } }]);
  });
});
