import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseHeaderExtensionElements, parseRtpPacket } from "../../core/rtp/header.ts";
import { rtpFixedHeaderSize, writeRtpPacket } from "../../core/rtp/payload-plan.ts";
import {
  readTransportWideSequence,
  transportWideSequenceBlockSize,
  writeTransportWideSequence,
} from "../../core/rtp/transport-wide-sequence.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s/g, "").match(/../g)!.map((b) => parseInt(b, 16)));

function packetWithSequence(id: number, transportSequence: number): Uint8Array {
  const header = { payloadType: 96, sequenceNumber: 5, timestamp: 6, ssrc: 7, marker: true };
  const plan = { pieces: [new Uint8Array([9, 8, 7])], size: 3, marker: true };
  const out = new Uint8Array(rtpFixedHeaderSize + transportWideSequenceBlockSize + plan.size);
  writeRtpPacket(out, header, plan, transportWideSequenceBlockSize);
  writeTransportWideSequence(out, rtpFixedHeaderSize, id, transportSequence);
  return out;
}

describe("transport-wide sequence number header extension", () => {
  test("the written block is a valid one-byte extension any RTP parser reads", () => {
    const packet = packetWithSequence(3, 0xabcd);
    const rtp = parseRtpPacket(packet);
    assert.deepEqual([...rtp.payload], [9, 8, 7]);
    assert.equal(rtp.extension!.profile, 0xbede);
    assert.deepEqual([...parseHeaderExtensionElements(rtp.extension!).get(3)!], [0xab, 0xcd]);
    assert.equal(readTransportWideSequence(packet, 3), 0xabcd);
  });

  test("reads it among other one-byte elements, after padding bytes", () => {
    // abs-send-time as id 3, one padding byte, transport-wide seq as id 5 = 0x0102
    const packet = hex("90e612340a0b0c0dcafebabe bede0002 32aabbcc 00 510102 5c010203");
    assert.equal(readTransportWideSequence(packet, 5), 0x0102);
    assert.equal(readTransportWideSequence(packet, 4), -1, "an id the packet does not carry");
  });

  test("reads it from a two-byte-header block, after CSRCs", () => {
    const packet = hex("91600001 00000064 0000000a 0000000b 10000002 0702fffe 0201aa00 ee");
    assert.equal(readTransportWideSequence(packet, 7), 0xfffe);
  });

  const absent = [
    { name: "no extension (X bit clear)", bytes: "80600001 00000064 0000000a 5c" },
    { name: "a block overrunning the packet", bytes: "90600001 00000064 0000000a bede0004 5101" },
    {
      name: "an element overrunning its block",
      bytes: "90600001 00000064 0000000a bede0001 53010203",
    },
    {
      name: "the reserved id 15 ahead of it",
      bytes: "90600001 00000064 0000000a bede0001 f0510102",
    },
    { name: "the id with a 3-byte value", bytes: "90600001 00000064 0000000a bede0001 52010203" },
    { name: "an unknown profile", bytes: "90600001 00000064 0000000a abcd0001 51010200" },
  ];
  for (const c of absent) {
    test(`no sequence number from ${c.name}`, () => {
      assert.equal(readTransportWideSequence(hex(c.bytes), 5), -1);
    });
  }

  test("the writer refuses an id the one-byte form cannot carry", () => {
    assert.throws(() => packetWithSequence(15, 1), /id 15 is not 1..14/);
    assert.throws(() => packetWithSequence(0, 1), /id 0 is not 1..14/);
  });
});
