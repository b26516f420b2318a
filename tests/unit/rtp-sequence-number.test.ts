import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { seqAdd, seqDiff, seqNewer, SequenceUnwrapper } from "../../core/rtp/sequence-number.ts";

describe("RTP sequence numbers wrap around at 16 bits", () => {
  const diffs = [
    { a: 5, b: 3, want: 2 },
    { a: 3, b: 5, want: -2 },
    { a: 2, b: 65534, want: 4 },
    { a: 65534, b: 2, want: -4 },
    { a: 32767, b: 0, want: 32767 },
    { a: 32768, b: 0, want: -32768 },
  ];
  for (const { a, b, want } of diffs) {
    test(`seqDiff(${a}, ${b}) is ${want}; seqNewer agrees`, () => {
      assert.equal(seqDiff(a, b), want);
      assert.equal(seqNewer(a, b), want > 0);
    });
  }

  test("seqAdd wraps", () => {
    assert.equal(seqAdd(65535, 1), 0);
    assert.equal(seqAdd(65530, 10), 4);
    assert.equal(seqAdd(3, -5), 65534);
  });

  test("the unwrapper counts cycles through wraps and keeps late packets in the old cycle", () => {
    const unwrapper = new SequenceUnwrapper();
    const seqs = [65533, 65535, 0, 65534, 1, 2, 65535, 30000, 60000, 7000];
    const first = unwrapper.unwrap(seqs[0]);
    const relative = seqs.slice(1).map((s) => unwrapper.unwrap(s) - first);
    assert.deepEqual(relative, [2, 3, 1, 4, 5, 2, 30003, 60003, 72539]);
  });
});
