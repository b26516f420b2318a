import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  buildTransportCc,
  maxTransportCcPackets,
  parseTransportCc,
  type TransportCcFeedback,
} from "../../core/rtcp/transport-cc.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

// Browser-sent feedback as published in pion/rtcp's tests (the P bit and a count byte pad each).
const captures: { name: string; bytes: string; value: TransportCcFeedback }[] = [
  {
    name: "one packet, a run-length chunk, one byte of padding",
    bytes: "afcd0005 fa17fa17 43032fa0 00990001 3de80217 2001 94 01",
    value: {
      senderSsrc: 0xfa17fa17,
      mediaSsrc: 0x43032fa0,
      baseSequenceNumber: 153,
      referenceTime: 4057090,
      feedbackPacketCount: 23,
      receiveDeltasUs: [37000],
    },
  },
  {
    name: "seven packets received, a run-length chunk, three bytes of padding",
    bytes: "afcd0007 fa17fa17 193dd8bb 00040007 10636e01 2007 4c2424100c0c10 000003",
    value: {
      senderSsrc: 0xfa17fa17,
      mediaSsrc: 0x193dd8bb,
      baseSequenceNumber: 4,
      referenceTime: 1074030,
      feedbackPacketCount: 1,
      receiveDeltasUs: [19000, 9000, 9000, 4000, 3000, 3000, 4000],
    },
  },
  {
    name: "twelve packets with losses, a 1-bit status vector",
    bytes: "afcd0007 fa17fa17 43032fa0 9c14000c 75842000 bec0 c13f3b3f53903b 000003",
    value: {
      senderSsrc: 0xfa17fa17,
      mediaSsrc: 0x43032fa0,
      baseSequenceNumber: 39956,
      referenceTime: 7701536,
      feedbackPacketCount: 0,
      receiveDeltasUs: [
        48250,
        15750,
        14750,
        15750,
        20750,
        null,
        36000,
        14750,
        null,
        null,
        null,
        null,
      ],
    },
  },
  {
    name: "no packets at all",
    bytes: "8fcd0004 9acb0442 00000000 00000000 00000000",
    value: {
      senderSsrc: 0x9acb0442,
      mediaSsrc: 0,
      baseSequenceNumber: 0,
      referenceTime: 0,
      feedbackPacketCount: 0,
      receiveDeltasUs: [],
    },
  },
];

describe("transport-cc feedback: browser captures", () => {
  for (const c of captures) {
    test(`${c.name}: parses to its values and builds back to the same bytes`, () => {
      assert.deepEqual(parseTransportCc(hex(c.bytes)), c.value);
      assert.equal(toHex(buildTransportCc(c.value)), c.bytes.replace(/\s/g, ""));
    });
  }

  test("a 2-bit vector with a large delta, then a run that overhangs the status count", () => {
    const bytes = "afcd0007 9b74f61f 9371dcbc 853c0009 63f916b3 d552 0030 9baa6aaa7b 0109 01";
    const feedback = parseTransportCc(hex(bytes));
    assert.deepEqual(
      { ...feedback, receiveDeltasUs: undefined },
      {
        senderSsrc: 0x9b74f61f,
        mediaSsrc: 0x9371dcbc,
        baseSequenceNumber: 34108,
        referenceTime: 6551830,
        feedbackPacketCount: 179,
        receiveDeltasUs: undefined,
      },
    );
    assert.deepEqual(feedback.receiveDeltasUs, [
      38750,
      42500,
      26500,
      42500,
      30750,
      null,
      66250,
      null,
      null,
    ]);
    // kvsrtc ends the run at the count, so the bytes differ but the report is the same
    assert.deepEqual(parseTransportCc(buildTransportCc(feedback)), feedback);
  });
});

describe("transport-cc feedback: building", () => {
  const base = { senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65530, referenceTime: 0xffffff };

  test("negative and large deltas go in 2-bit vectors as two signed bytes", () => {
    const value = {
      ...base,
      feedbackPacketCount: 255,
      receiveDeltasUs: [-250, 64000, null, 0, 8191750, -8192000],
    };
    const packet = buildTransportCc(value);
    // statuses 10 10 00 01 10 10 in one 2-bit vector; deltas ffff 0100 00 7fff 8000; one pad
    const bytes = "afcd0007 00000001 00000002 fffa0006 ffffffff e868 ffff 0100 00 7fff 8000 01";
    assert.equal(toHex(packet), bytes.replace(/\s/g, ""));
    assert.deepEqual(parseTransportCc(packet), value);
  });

  test("long runs become run-length chunks of at most 8191 statuses", () => {
    const receiveDeltasUs = [...Array(maxTransportCcPackets - 1).fill(null), 250];
    const value = { ...base, feedbackPacketCount: 0, receiveDeltasUs };
    const packet = buildTransportCc(value);
    assert.equal(toHex(packet.subarray(20, 24)), "1fff" + "2001");
    assert.deepEqual(parseTransportCc(packet), value);
  });

  test("a mixed pattern round-trips through every chunk kind", () => {
    let state = 7;
    const receiveDeltasUs = Array.from({ length: 3000 }, (_, i) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      if (i > 1000 && i < 1300) return null; // a long loss burst
      const r = state % 100;
      return r < 10 ? null : r < 15 ? (r - 20) * 1000 : r < 20 ? 70_000 : (r % 40) * 250;
    });
    const value = { ...base, feedbackPacketCount: 9, receiveDeltasUs };
    assert.deepEqual(parseTransportCc(buildTransportCc(value)), value);
  });

  const unencodable = [
    { name: "not a multiple of 250 µs", deltaUs: 100 },
    { name: "beyond +8191.75 ms", deltaUs: 8192000 },
    { name: "beyond -8192 ms", deltaUs: -8192250 },
  ];
  for (const c of unencodable) {
    test(`refuses a delta ${c.name}`, () => {
      const value = { ...base, feedbackPacketCount: 0, receiveDeltasUs: [c.deltaUs] };
      assert.throws(() => buildTransportCc(value), /cannot be encoded/);
    });
  }

  test("refuses more packets than one message may report", () => {
    const receiveDeltasUs = Array(maxTransportCcPackets + 1).fill(null);
    assert.throws(
      () => buildTransportCc({ ...base, feedbackPacketCount: 0, receiveDeltasUs }),
      /too long/,
    );
  });
});

describe("transport-cc feedback: malformed input", () => {
  const cases = [
    {
      name: "three deltas announced, one present",
      bytes: "afcd0005 fa17fa17 43032fa0 00990003 3de80217 2003 94 01",
      error: /receive deltas end before packet 1/,
    },
    {
      name: "a status count beyond the bound, covered by two long runs",
      bytes: "8fcd0005 00000001 00000002 0000ffff 00000000 1fff 1fff",
      error: /reports 65535 packets, more than 8192/,
    },
    {
      name: "chunks that stop short of the status count",
      bytes: "8fcd0005 00000001 00000002 00000014 00000000 c000 0000",
      error: /chunks end before 20 packet statuses/,
    },
    {
      name: "the reserved status in a run",
      bytes: "8fcd0005 00000001 00000002 00000001 00000000 6001 0000",
      error: /status 3 is reserved/,
    },
    {
      name: "the reserved status in a 2-bit vector",
      bytes: "8fcd0005 00000001 00000002 00000001 00000000 f000 0000",
      error: /status 3 is reserved/,
    },
    {
      name: "a padding count of zero",
      bytes: "afcd0005 00000001 00000002 00000001 00000000 2001 0a 00",
      error: /padding of 0 bytes is invalid/,
    },
    {
      name: "padding that eats the fixed fields",
      bytes: "afcd0005 00000001 00000002 00000001 00000000 2001 0a 08",
      error: /padding of 8 bytes is invalid/,
    },
    {
      name: "no room for the fixed fields",
      bytes: "8fcd0003 00000001 00000002 00000001",
      error: /16 bytes is too short/,
    },
    {
      name: "a generic NACK, not TWCC",
      bytes: "81cd0003 00000001 12345678 0064 0000",
      error: /FMT 1 is not a transport-cc feedback/,
    },
    {
      name: "a length beyond the data",
      bytes: "8fcd0006 00000001 00000002 00000001 00000000 2001 0a 00",
      error: /bad length/,
    },
  ];
  for (const c of cases) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => parseTransportCc(hex(c.bytes)), c.error);
    });
  }
});
