import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareFragmentNumbers, type Fragment } from "../../core/fragments/fragment.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import { openFragmentLog } from "../../adapters/local/fragment-log.ts";
import { decodeRecord, encodeRecord } from "../../adapters/local/fragment-record.ts";

const fragment = (n: number, frameBytes = 40): Fragment => ({
  producerTimestampMs: 1_700_000_000_000 + n * 2000,
  durationMs: 2000,
  tracks: [{
    number: 1,
    uid: 12345678901234567890n,
    kind: "video",
    codecId: "V_MPEG4/ISO/AVC",
    codecPrivate: new Uint8Array([1, 0x64, 0, 0x1f, n]),
    video: { width: 640, height: 480 },
  }, { number: 2, uid: 2n, kind: "audio", codecId: "A_OPUS" }],
  frames: [0, 1, 2].map((i) => ({
    track: i === 2 ? 2 : 1,
    timecodeMs: 1_700_000_000_000 + n * 2000 + i * 33,
    keyframe: i === 0,
    data: new Uint8Array(frameBytes).fill(n * 3 + i),
  })),
  tags: [{ name: "n", value: String(n) }],
  sizeBytes: 3 * frameBytes + 100,
});

const stream = "arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kvsrtc-fragment-log-"));
}

/** Appends fragments 0..count-1 through a store on a log in `dir`, then closes the log. */
async function writeFragments(dir: string, count: number, segmentBytes?: number) {
  const { log } = openFragmentLog(dir, { onWarning: () => {}, segmentBytes });
  const store = new FragmentStore(Date.now, { log });
  const numbers = [];
  for (let n = 0; n < count; n++) {
    numbers.push((await store.append(stream, fragment(n))).fragmentNumber);
  }
  await log.close();
  return numbers;
}

function segmentFiles(dir: string): string[] {
  const root = join(dir, "fragments");
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)));
}

describe("fragment log", () => {
  test("a record gives back the fragment it was made from", () => {
    const stored = { ...fragment(7), fragmentNumber: "9".repeat(47), serverTimestampMs: 1.5 };
    const bytes = encodeRecord(stream, stored);
    const decoded = decodeRecord(bytes, 0);
    assert.ok(!("problem" in decoded));
    assert.equal(decoded.streamArn, stream);
    assert.equal(decoded.end, bytes.length);
    assert.deepEqual(decoded.fragment, stored);
  });

  test("reopening gives every fragment back, and numbers go on increasing", async () => {
    const dir = tempDir();
    try {
      const numbers = await writeFragments(dir, 3);
      const { log, recovered } = openFragmentLog(dir, { onWarning: assert.fail });
      assert.deepEqual(recovered.map((r) => r.fragment.fragmentNumber), numbers);
      assert.deepEqual(recovered[2].fragment.frames[1].data, fragment(2).frames[1].data);
      const store = new FragmentStore(() => 0, { log, recovered });
      const next = await store.append(stream, fragment(3));
      assert.ok(compareFragmentNumbers(numbers[2], next.fragmentNumber) < 0);
      await log.close();
      assert.equal(openFragmentLog(dir, { onWarning: assert.fail }).recovered.length, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a torn or corrupt last record is cut off at every byte offset; the others stay", async () => {
    const dir = tempDir();
    try {
      const numbers = await writeFragments(dir, 3);
      const [file] = segmentFiles(dir);
      const whole = readFileSync(file);
      const second = decodeRecord(whole, 0);
      assert.ok("end" in second);
      const third = decodeRecord(whole, second.end);
      assert.ok("end" in third);
      const lastStart = third.end;
      const check = (bytes: Uint8Array, what: string) => {
        writeFileSync(file, bytes);
        const warnings: string[] = [];
        const { recovered } = openFragmentLog(dir, { onWarning: (l) => warnings.push(l) });
        assert.deepEqual(
          recovered.map((r) => r.fragment.fragmentNumber),
          numbers.slice(0, 2),
          what,
        );
        assert.equal(readFileSync(file).length, lastStart, what);
        assert.equal(warnings.length, bytes.length > lastStart ? 1 : 0, what);
      };
      for (let cut = lastStart; cut < whole.length; cut++) {
        check(whole.subarray(0, cut), `cut ${cut}`);
      }
      for (const at of [lastStart + 2, lastStart + 20, whole.length - 30, whole.length - 1]) {
        const flipped = Uint8Array.from(whole);
        flipped[at] ^= 0x40;
        check(flipped, `byte ${at} flipped`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("dropped fragments leave by whole segments, and stay gone after reopening", async () => {
    const dir = tempDir();
    try {
      const numbers = await writeFragments(dir, 6, 900); // two records per segment
      assert.equal(segmentFiles(dir).length, 3);
      const opened = openFragmentLog(dir, { onWarning: assert.fail, segmentBytes: 900 });
      opened.log.dropThrough(stream, numbers[2]);
      await opened.log.close();
      assert.equal(segmentFiles(dir).length, 2, "the first segment only: the second keeps #3");
      const again = openFragmentLog(dir, { onWarning: assert.fail });
      assert.deepEqual(again.recovered.map((r) => r.fragment.fragmentNumber), numbers.slice(2));
      again.log.deleteStream(stream);
      await again.log.close();
      assert.deepEqual(segmentFiles(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stray empty segment is removed and a stray file is ignored", () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, "fragments", "x"), { recursive: true });
      writeFileSync(join(dir, "fragments", "x", "1.kvsf"), "");
      writeFileSync(join(dir, "fragments", "note.txt"), "hello");
      assert.deepEqual(openFragmentLog(dir, { onWarning: assert.fail }).recovered, []);
      assert.deepEqual(readdirSync(join(dir, "fragments", "x")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
