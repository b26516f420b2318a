import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  parseHeaderExtensionElements,
  parseRtpPacket,
  serializeRtpPacket,
} from "../../core/rtp/header.ts";
import { writeRtpPacket } from "../../core/rtp/payload-plan.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe("RTP header", () => {
  test("parses a packet with a one-byte header extension (abs-send-time, transport-wide seq)", () => {
    // Version 2, X=1, marker, PT 102, seq 0x1234, ts 0x0a0b0c0d, SSRC 0xcafebabe,
    // extension 0xBEDE with 2 words: id 3 (3 bytes), id 5 (2 bytes), one padding byte.
    const packet = hex(
      "90e612340a0b0c0dcafebabe" + "bede0002" + "32aabbcc" + "510102" + "00" + "5c010203",
    );
    const rtp = parseRtpPacket(packet);
    assert.deepEqual(
      { ...rtp, payload: [...rtp.payload], extension: undefined },
      {
        marker: true,
        payloadType: 102,
        sequenceNumber: 0x1234,
        timestamp: 0x0a0b0c0d,
        ssrc: 0xcafebabe,
        csrcs: [],
        extension: undefined,
        paddingSize: 0,
        payload: [0x5c, 1, 2, 3],
      },
    );
    const elements = parseHeaderExtensionElements(rtp.extension!);
    assert.deepEqual([...elements].map(([id, v]) => [id, [...v]]), [
      [3, [0xaa, 0xbb, 0xcc]],
      [5, [0x01, 0x02]],
    ]);
  });

  test("a written packet leaves room for a header extension block and sets the X bit", () => {
    const out = new Uint8Array(12 + 8 + 3);
    const header = { payloadType: 96, sequenceNumber: 5, timestamp: 6, ssrc: 7, marker: true };
    const plan = { pieces: [new Uint8Array([9, 8, 7])], size: 3, marker: true };
    assert.equal(writeRtpPacket(out, header, plan, 8), out.length);
    out.set([0xbe, 0xde, 0, 1, 0x10, 0x42, 0, 0], 12); // what an extension stage would write
    const parsed = parseRtpPacket(out);
    assert.deepEqual([...parsed.payload], [9, 8, 7]);
    assert.deepEqual([...parseHeaderExtensionElements(parsed.extension!).get(1)!], [0x42]);
    assert.equal(writeRtpPacket(out, header, plan, 0), 15);
    assert.equal(out[0] & 0x10, 0, "no extension, no X bit");
  });

  test("parses CSRCs and strips padding", () => {
    const packet = hex("a26f0001000000640000000a" + "0000000b0000000c" + "abcd" + "000003");
    const rtp = parseRtpPacket(packet);
    assert.deepEqual(rtp.csrcs, [11, 12]);
    assert.equal(rtp.paddingSize, 3);
    assert.deepEqual([...rtp.payload], [0xab, 0xcd]);
    assert.equal(rtp.marker, false);
    assert.equal(rtp.payloadType, 111);
  });

  test("serialize then parse gives the same packet", () => {
    const init = {
      marker: true,
      payloadType: 96,
      sequenceNumber: 65535,
      timestamp: 0xffffffff,
      ssrc: 1,
      csrcs: [7],
      extension: { profile: 0x1000, data: hex("0102aabb") },
      paddingSize: 4,
      payload: hex("0102030405"),
    };
    const back = parseRtpPacket(serializeRtpPacket(init));
    assert.deepEqual(back, init);
  });

  const malformed = [
    { name: "shorter than 12 bytes", bytes: "80e6123400", error: /too short/ },
    { name: "version 1", bytes: "40e612340a0b0c0dcafebabe", error: /version 1/ },
    { name: "CSRC count beyond the end", bytes: "83e612340a0b0c0dcafebabe00000001", error: /CSRC/ },
    { name: "extension overrun", bytes: "90e612340a0b0c0dcafebabebede0004aabb", error: /overruns/ },
    {
      name: "padding larger than the packet",
      bytes: "a0e612340a0b0c0dcafebabe0120",
      error: /padding/,
    },
  ];
  for (const c of malformed) {
    test(`rejects a malformed packet: ${c.name}`, () => {
      assert.throws(() => parseRtpPacket(hex(c.bytes)), c.error);
    });
  }
});
