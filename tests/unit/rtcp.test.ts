import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildBye, holdsBye } from "../../core/rtcp/bye.ts";
import { splitCompoundRtcp } from "../../core/rtcp/compound.ts";
import { isRtcp } from "../../core/rtcp/header.ts";
import { buildFir, parseFir } from "../../core/rtcp/fir.ts";
import { buildNack, parseNack } from "../../core/rtcp/nack.ts";
import { parseRtcp } from "../../core/rtcp/parse.ts";
import { buildPli, parsePli } from "../../core/rtcp/pli.ts";
import { buildReceiverReport, parseReceiverReport } from "../../core/rtcp/receiver-report.ts";
import { buildRemb, parseRemb } from "../../core/rtcp/remb.ts";
import {
  buildSenderReport,
  compactNtp,
  ntpTime,
  parseSenderReport,
} from "../../core/rtcp/sender-report.ts";
import {
  buildSourceDescription,
  parseSourceDescription,
} from "../../core/rtcp/source-description.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

const senderReport = {
  bytes: "80c80006 902f9e2e da8bd1fc dddda05a aaf4edd5 00000bb8 0012d687",
  value: {
    ssrc: 0x902f9e2e,
    ntpSeconds: 0xda8bd1fc,
    ntpFraction: 0xdddda05a,
    rtpTimestamp: 0xaaf4edd5,
    packetCount: 3000,
    octetCount: 1234567,
    reports: [],
  },
};
const receiverReport = {
  bytes: "81c90007 902f9e2e bc5e9a40 02fffffe 00011234 00000273 d1fcdddd 00018000",
  value: {
    ssrc: 0x902f9e2e,
    reports: [{
      ssrc: 0xbc5e9a40,
      fractionLost: 2,
      cumulativeLost: -2,
      highestSequence: 0x11234,
      jitter: 0x273,
      lastSenderReport: 0xd1fcdddd,
      delaySinceLastSenderReport: 0x18000, // 1.5 s
    }],
  },
};
const sourceDescription = {
  // CNAME "user@host.local1": item 01 10 + 16 bytes, end byte, one byte of padding.
  bytes: "81ca0006 902f9e2e 0110 7573657240686f73742e6c6f63616c31 0000",
  value: { chunks: [{ ssrc: 0x902f9e2e, cname: "user@host.local1" }] },
};

describe("RTCP packets: build gives the wire bytes, parse gives the values back", () => {
  const cases = [
    { name: "sender report", ...senderReport, build: buildSenderReport, parse: parseSenderReport },
    {
      name: "receiver report, negative cumulative loss",
      ...receiverReport,
      build: buildReceiverReport,
      parse: parseReceiverReport,
    },
    {
      name: "SDES with a CNAME",
      ...sourceDescription,
      build: buildSourceDescription,
      parse: parseSourceDescription,
    },
    {
      name: "generic NACK: PID 100 with BLP bits for 101, 103 and 116",
      bytes: "81cd0003 00000001 12345678 0064 8005",
      value: { senderSsrc: 1, mediaSsrc: 0x12345678, sequenceNumbers: [100, 101, 103, 116] },
      build: buildNack,
      parse: parseNack,
    },
    {
      name: "generic NACK across the sequence-number wrap, two FCI entries",
      bytes: "81cd0004 00000001 12345678 fffe 0043 001e 0000",
      value: { senderSsrc: 1, mediaSsrc: 0x12345678, sequenceNumbers: [65534, 65535, 0, 5, 30] },
      build: buildNack,
      parse: parseNack,
    },
    {
      name: "PLI",
      bytes: "81ce0002 00000001 12345678",
      value: { senderSsrc: 1, mediaSsrc: 0x12345678 },
      build: buildPli,
      parse: parsePli,
    },
    {
      name: "FIR",
      bytes: "84ce0004 00000001 00000000 12345678 05000000",
      value: { senderSsrc: 1, entries: [{ ssrc: 0x12345678, sequenceNumber: 5 }] },
      build: buildFir,
      parse: parseFir,
    },
    {
      name: "REMB of 1 Mbit/s (exponent 2, mantissa 250000)",
      bytes: "8fce0005 00000001 00000000 52454d42 010bd090 12345678",
      value: { senderSsrc: 1, bitrate: 1_000_000, ssrcs: [0x12345678] },
      build: buildRemb,
      parse: parseRemb,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      // deno-lint-ignore no-explicit-any
      const built = (c.build as (v: any) => Uint8Array)(c.value);
      assert.equal(toHex(built), c.bytes.replace(/\s/g, ""));
      assert.deepEqual(c.parse(hex(c.bytes)), c.value);
    });
  }

  test("NACK lists sorted oldest first, duplicates merged", () => {
    const nack = { senderSsrc: 1, mediaSsrc: 2, sequenceNumbers: [7, 3, 3, 65535, 40] };
    assert.deepEqual(parseNack(buildNack(nack)).sequenceNumbers, [65535, 3, 7, 40]);
  });
});

describe("compound RTCP", () => {
  test("splits SR + SDES and parses each kind; unknown kinds pass through", () => {
    const tmmbr = "83cd0004 00000001 12345678 00010002 00000000"; // TMMBR: not parsed
    const compound = hex(senderReport.bytes + sourceDescription.bytes + tmmbr);
    assert.deepEqual(splitCompoundRtcp(compound).map((p) => p.length), [28, 28, 20]);
    const parsed = parseRtcp(compound);
    assert.deepEqual(parsed.map((p) => p.kind), ["senderReport", "sourceDescription", "other"]);
    assert.deepEqual(parsed[0].kind === "senderReport" && parsed[0].packet, senderReport.value);
    assert.deepEqual(parsed[2].kind === "other" && [parsed[2].packetType, parsed[2].fmt], [
      205,
      3,
    ]);
  });

  test("transport-cc feedback in a compound packet is parsed as its own kind", () => {
    const twcc = "8fcd0005 00000001 12345678 00010001 00000100 20010000";
    const parsed = parseRtcp(hex(receiverReport.bytes + twcc));
    assert.deepEqual(parsed.map((p) => p.kind), ["receiverReport", "transportCc"]);
    assert.deepEqual(parsed[1].kind === "transportCc" && parsed[1].packet, {
      senderSsrc: 1,
      mediaSsrc: 0x12345678,
      baseSequenceNumber: 1,
      referenceTime: 1,
      feedbackPacketCount: 0,
      receiveDeltasUs: [0], // one run-length chunk: one small delta, of 0
    });
  });

  test("RR + REMB + PLI + NACK, as a browser sends them", () => {
    const compound = hex(
      receiverReport.bytes + "8fce0005 00000001 00000000 52454d42 010bd090 12345678" +
        "81ce0002 00000001 12345678" + "81cd0003 00000001 12345678 0064 0000",
    );
    assert.deepEqual(parseRtcp(compound).map((p) => p.kind), [
      "receiverReport",
      "remb",
      "pli",
      "nack",
    ]);
  });

  const malformed = [
    {
      name: "a length beyond the data",
      bytes: "81c90007 902f9e2e",
      error: /claims 32 bytes, only 8 left/,
    },
    {
      name: "a truncated header",
      bytes: "80c80006 902f9e2e da8bd1fc dddda05a aaf4edd5 00000bb8 0012d687 80",
      error: /header truncated at byte 28/,
    },
    { name: "version 1", bytes: "40c80000", error: /RTCP version 1/ },
  ];
  for (const c of malformed) {
    test(`rejects ${c.name}`, () => {
      assert.throws(() => parseRtcp(hex(c.bytes)), c.error);
    });
  }
});

describe("RTCP BYE", () => {
  test("a BYE names its sources; a compound packet holding one says so, others do not", () => {
    assert.equal(toHex(buildBye([0x902f9e2e])), "81cb0001902f9e2e");
    assert.equal(holdsBye(hex(senderReport.bytes + sourceDescription.bytes)), false);
    assert.equal(holdsBye(hex(senderReport.bytes + "81cb0001902f9e2e")), true);
  });
});

describe("RTP and RTCP on one port (RFC 5761)", () => {
  const cases = [
    { name: "RTCP sender report", byte1: 200, rtcp: true },
    { name: "RTCP payload feedback", byte1: 206, rtcp: true },
    { name: "RTP H.264, PT 102 with marker", byte1: 0x80 | 102, rtcp: false },
    { name: "RTP Opus, PT 111 with marker", byte1: 0x80 | 111, rtcp: false },
    { name: "RTP PT 96 without marker", byte1: 96, rtcp: false },
  ];
  for (const c of cases) {
    test(`isRtcp: ${c.name} -> ${c.rtcp}`, () => {
      assert.equal(isRtcp(new Uint8Array([0x80, c.byte1, 0, 1, 0, 0, 0, 0])), c.rtcp);
    });
  }
});

describe("NTP time for sender reports", () => {
  test("Unix ms to NTP seconds and fraction; the compact middle 32 bits", () => {
    const ntp = ntpTime(1_700_000_000_500);
    assert.deepEqual(ntp, { ntpSeconds: 1_700_000_000 + 2208988800, ntpFraction: 2 ** 31 });
    assert.equal(compactNtp(ntp), (((ntp.ntpSeconds & 0xffff) << 16) | 0x8000) >>> 0);
  });
});
