/**
 * Congestion control end to end: a kvsrtc master and a kvsrtc viewer over real WebRTC on
 * loopback, with a test-installed bottleneck (a drop-tail queue of set capacity and delay) on
 * the master's send path. The viewer's transport-cc feedback drives the master's estimate,
 * which must settle near the capacity, follow a halving down and the recovery back up. The
 * same run is made with adaptation on and off: the frames the viewer gets are whole and in
 * order either way, and with adaptation on (keyframes only while the estimate is low) it
 * freezes less. The queue is a deep one (a second), as on a bufferbloated uplink: without
 * adaptation a stream above the capacity fills it, and every frame then comes late.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sampleFrames } from "../unit/support/samples.ts";
import { nalKey, testSessions, until } from "../helpers/media-session.ts";
import { bottleneckViewers } from "../../adapters/master/test-bottleneck.ts";
import type { BandwidthEstimate } from "../../core/congestion/peer-congestion.ts";
import { type HostStalls, watchHostStalls } from "../helpers/host-stalls.ts";

const channel = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const sourceKeys = sampleFrames.map(nalKey);
const gopFrames = 30;

/** Capacity from `fromMs` on; the estimate must be within 30% of it by `settleByMs`. */
const full = 2_000_000;
const phases = [
  { fromMs: 0, settleByMs: 10_000, capacityBps: full },
  { fromMs: 14_000, settleByMs: 19_000, capacityBps: full / 2 },
  { fromMs: 24_000, settleByMs: 39_000, capacityBps: full },
];
const runMs = 42_000;
/**
 * A player with this much buffer shows a frame that comes no later; one later is not shown,
 * and a picture shown for longer than this (its next frame late, held back or lost) freezes.
 */
const freezeMs = 500;
/**
 * A failed comparison is made once more. The estimate's sawtooth (each over-use cuts it to 85% of
 * the rate delivered) dips to within a few percent of the 30% bound, and one run in about a dozen
 * here dipped past it at a phase's end on a quiet machine; a loaded one (the test process starved:
 * the bottleneck's timers and the viewer's arrival stamps run late, so the link simulated is not
 * the one set) makes that likelier. Each run's summary says how the host fared.
 */
const attempts = 2;

interface Run {
  /** Per phase: when the estimate came within 30% of the capacity for good (ms into it). */
  settledAfterMs: (number | undefined)[];
  estimates: { atMs: number; bps: number }[];
  frames: number;
  /** Frames written and not a source frame following the one before or a keyframe. */
  brokenFrames: number;
  /** Frames that came more than freezeMs later than the earliest, by their media times. */
  lateFrames: number;
  freezes: number;
  /** The media time pictures stood still beyond freezeMs, late frames not shown. */
  frozenMs: number;
  keyframesOnlyChanges: number;
  dropped: number;
  stalls: HostStalls;
}

async function runThroughBottleneck(
  sessions: ReturnType<typeof testSessions>,
  adaptation: boolean,
): Promise<Run> {
  const name = channel(adaptation ? "cc-on" : "cc-off");
  const setup = await sessions.master(name, { adaptation });
  const bottleneck = bottleneckViewers(setup.master, {
    capacityBps: full,
    delayMs: 20,
    queueLimitMs: 1000,
  });
  let latest: BandwidthEstimate | undefined;
  let keyframesOnlyChanges = 0;
  setup.master.on("bandwidthEstimate", (_id, estimate) => {
    if (latest && latest.keyframesOnly !== estimate.keyframesOnly) keyframesOnlyChanges++;
    latest = estimate;
  });
  const v = await sessions.viewer(setup, name, "viewer");
  let previous = -1;
  const written: { arrivalMs: number; mediaMs: number }[] = [];
  let firstTimestamp: number | undefined;
  const stalls = watchHostStalls();
  const run: Run = {
    settledAfterMs: [],
    estimates: [],
    frames: 0,
    brokenFrames: 0,
    lateFrames: 0,
    freezes: 0,
    frozenMs: 0,
    keyframesOnlyChanges: 0,
    dropped: 0,
    stalls,
  };
  v.client.on("frame", (au) => {
    const index = sourceKeys.indexOf(nalKey(au.data));
    const follows = index === (previous + 1) % sampleFrames.length;
    if (previous !== -1 && (index === -1 || (!follows && index % gopFrames !== 0))) {
      run.brokenFrames++;
    }
    previous = index;
    firstTimestamp ??= au.timestamp;
    const mediaMs = ((au.timestamp - firstTimestamp) >>> 0) / 90;
    written.push({ arrivalMs: performance.now(), mediaMs });
    run.frames++;
  });
  await v.client.connected();
  const startedAt = performance.now();
  let phase = 0;
  let inRangeSince: number | undefined;
  await until(
    () => {
      const atMs = performance.now() - startedAt;
      if (phase + 1 < phases.length && atMs >= phases[phase + 1].fromMs) {
        phase++;
        bottleneck.capacityBps = phases[phase].capacityBps;
        inRangeSince = undefined;
      }
      const bps = latest?.estimateBps ?? NaN;
      if (run.estimates.length === 0 || atMs - run.estimates.at(-1)!.atMs >= 500) {
        run.estimates.push({ atMs: Math.round(atMs), bps: Math.round(bps) });
      }
      const { capacityBps, fromMs } = phases[phase];
      if (Math.abs(bps - capacityBps) <= 0.3 * capacityBps) inRangeSince ??= atMs - fromMs;
      else inRangeSince = undefined;
      run.settledAfterMs[phase] = inRangeSince;
      return atMs >= runMs;
    },
    runMs + 5_000,
    "the run through the bottleneck",
  );
  stalls.stop();
  run.keyframesOnlyChanges = keyframesOnlyChanges;
  playOut(written, run);
  run.dropped = bottleneck.viewers.get("viewer")?.dropped ?? 0;
  v.close();
  return run;
}

/** Late frames and freezes of a player that shows each frame at its media time plus freezeMs. */
function playOut(written: { arrivalMs: number; mediaMs: number }[], run: Run) {
  const earliest = Math.min(...written.map((f) => f.arrivalMs - f.mediaMs));
  let shownMediaMs: number | undefined;
  for (const { arrivalMs, mediaMs } of written) {
    if (arrivalMs - mediaMs - earliest > freezeMs) {
      run.lateFrames++;
      continue;
    }
    const stillMs = shownMediaMs === undefined ? 0 : mediaMs - shownMediaMs;
    if (stillMs > freezeMs) {
      run.freezes++;
      run.frozenMs += stillMs - freezeMs;
    }
    shownMediaMs = mediaMs;
  }
}

/** What the issue asks of the runs, as failure messages; none when all holds. */
function shortfalls(on: Run, off: Run): string[] {
  const failures = phases.flatMap((p, i) => {
    const settled = on.settledAfterMs[i];
    return settled !== undefined && p.fromMs + settled <= p.settleByMs
      ? []
      : [`phase ${i + 1} (${p.capacityBps} bit/s): settled after ${settled} ms`];
  });
  if (on.brokenFrames !== 0) failures.push("with adaptation, a frame that does not decode");
  if (!(on.frozenMs < off.frozenMs)) failures.push("adaptation on froze no less than off");
  return failures;
}

describe("congestion control through a bottleneck on the master's send path", () => {
  const sessions = testSessions();

  test("the estimate follows the capacity; adaptation freezes less, frames stay whole", {
    timeout: attempts * (2 * runMs + 30_000),
  }, async () => {
    for (let attempt = 1;; attempt++) {
      const on = await runThroughBottleneck(sessions, true);
      const off = await runThroughBottleneck(sessions, false);
      const summary = (r: Run) =>
        `${r.frames} frames (${r.lateFrames} late), ${r.freezes} freezes ` +
        `(${Math.round(r.frozenMs)} ms frozen), ` +
        `${r.brokenFrames} broken, ${r.dropped} packets dropped at the bottleneck, ` +
        `${r.keyframesOnlyChanges} keyframes-only changes; settled after ${
          r.settledAfterMs.map((ms) => ms === undefined ? "never" : `${Math.round(ms)} ms`)
        }; ${r.stalls.summary()}`;
      console.log(`adaptation on: ${summary(on)}\nadaptation off: ${summary(off)}`);
      console.log(`estimates (on): ${on.estimates.map((e) => `${e.atMs}:${e.bps}`).join(" ")}`);
      console.log(`estimates (off): ${off.estimates.map((e) => `${e.atMs}:${e.bps}`).join(" ")}`);
      const failures = shortfalls(on, off);
      if (failures.length === 0) return;
      // The summaries in the message too: Deno's --quiet keeps console output back.
      const why = `${failures.join("; ")} (on: ${summary(on)}; off: ${summary(off)})`;
      if (attempt === attempts) assert.fail(why);
      console.log(`${why}: the runs are made once more`);
    }
  });
});
