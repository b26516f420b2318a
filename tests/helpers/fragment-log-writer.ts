/**
 * A process that appends fragments to a fragment log in a loop, for the crash-safety test:
 * `fragment-log-writer.ts DIR SEGMENT_BYTES` prints "NUMBER N" once fragment N is durable,
 * until it is killed. `writtenFragment(n)` is what fragment n holds, for the test to compare.
 */
import type { Fragment } from "../../core/fragments/fragment.ts";
import { FragmentStore } from "../../core/fragments/fragment-store.ts";
import { openFragmentLog } from "../../adapters/local/fragment-log.ts";

export const crashStreamArn = "arn:aws:kinesisvideo:us-west-2:111122223333:stream/crash/1";

export function writtenFragment(n: number): Fragment {
  const frameBytes = 50_000 + (n * 7919) % 150_000;
  return {
    producerTimestampMs: 1_700_000_000_000 + n * 2000,
    durationMs: 2000,
    tracks: [{ number: 1, uid: 1n, kind: "video", codecId: "V_MPEG4/ISO/AVC" }],
    frames: [0, 1].map((i) => ({
      track: 1,
      timecodeMs: 1_700_000_000_000 + n * 2000 + i * 1000,
      keyframe: i === 0,
      data: new Uint8Array(frameBytes).fill((n * 2 + i) % 251),
    })),
    tags: [{ name: "n", value: String(n) }],
    sizeBytes: 2 * frameBytes,
  };
}

if (import.meta.main) {
  const [dir, segmentBytes] = process.argv.slice(2);
  const { log } = openFragmentLog(dir, {
    onWarning: (line) => console.error(line),
    segmentBytes: Number(segmentBytes),
  });
  const store = new FragmentStore(Date.now, { log });
  for (let n = 0;; n++) {
    const stored = await store.append(crashStreamArn, writtenFragment(n));
    console.log(`${stored.fragmentNumber} ${n}`);
  }
}
