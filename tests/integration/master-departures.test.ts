/**
 * Viewers leaving and being refused, seen from both ends: a `kvsrtc viewer` process that ends
 * cleanly frees its slot at the master at once (not when ICE consent runs out), a viewer the
 * master will not take is told why in the answer to its offer and stops at once, and sessions
 * that come and go leave nothing reachable behind at the master.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../adapters/runtime/mod.ts";
import type { PeerSession } from "../../adapters/master/peer-session.ts";
import { runKvsrtc } from "../helpers/kvsrtc-process.ts";
import { type MasterSetup, openViewer, testSessions, until } from "../helpers/media-session.ts";

const channel = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** A full collection; Deno exposes one only when asked at run time (tests run without flags). */
async function collectGarbage(): Promise<void> {
  const rt = await runtime();
  if (!rt.collectGarbage()) {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    (vm.runInNewContext("gc") as () => void)();
  }
  await new Promise((r) => setTimeout(r, 100));
}

describe("viewers leaving and refused", () => {
  const { master, viewer } = testSessions();
  const viewerProcess = (setup: MasterSetup, name: string, args: string[]) =>
    runKvsrtc([
      "viewer",
      ...["--endpoint-url", setup.target.controlPlaneUrl, "--channel", name],
      ...args,
    ]);

  // Before the fix, about 1 departure in 20 was seen only after 13-30 s (ICE consent).
  test("20 viewer processes in a row, each ending after --frames 1: the master frees each slot within 1 s of its exit", async () => {
    const name = channel("leave");
    const setup = await master(name);
    const leftAt = new Map<string, number>();
    setup.master.on("viewerLeft", (id) => leftAt.set(id, performance.now()));
    for (let i = 0; i < 20; i++) {
      const id = `leaver-${i}`;
      const viewer = viewerProcess(setup, name, ["--client-id", id, "--frames", "1"]);
      const code = await viewer.exited;
      const exitedAt = performance.now();
      assert.equal(code, 0, viewer.output.stderr);
      await until(() => leftAt.has(id), 5_000, `${id} gone at the master`);
      const lag = leftAt.get(id)! - exitedAt;
      assert.ok(
        lag < 1000,
        `${id}: the master freed its slot ${lag.toFixed(0)} ms after it exited`,
      );
    }
    assert.equal(setup.master.viewers.size, 0);
  });

  test("a viewer the master will not take (--max-viewers 1) exits 1 at once, saying why", async () => {
    const name = channel("full");
    const setup = await master(name, { maxViewers: 1 });
    const first = await viewer(setup, name, "first");
    await first.client.connected();
    let refusedAt = 0;
    setup.master.on("viewerRefused", () => (refusedAt = performance.now()));
    const second = viewerProcess(setup, name, ["--client-id", "second", "--timeout", "20"]);
    const code = await second.exited;
    const exitedAt = performance.now();
    assert.equal(code, 1, second.output.stderr);
    assert.ok(refusedAt > 0, "the master refused it");
    assert.ok(
      exitedAt - refusedAt < 2000,
      `it exited ${(exitedAt - refusedAt).toFixed(0)} ms after the refusal`,
    );
    const lines = second.output.stderr.trimEnd().split("\n");
    assert.match(
      lines.at(-1)!,
      /^kvsrtc viewer: the master refused this viewer: 1 viewers are connected, the most this master takes \(--max-viewers 1\)$/,
    );
    assert.equal(lines.filter((l) => /refused/.test(l)).length, 1, "said once");
    assert.equal(setup.master.viewers.size, 1, "the first viewer keeps its place");
  });

  test("30 sessions one after another leave no session reachable, no listener and no timer at the master", async () => {
    const name = channel("leak");
    const setup = await master(name);
    const sessions: WeakRef<PeerSession>[] = [];
    const leftovers: string[] = [];
    setup.master.on(
      "viewerJoined",
      (id) => sessions.push(new WeakRef(setup.master.viewers.get(id)!)),
    );
    setup.master.on("viewerLeft", (_id, _reason, session) => {
      if (session.timerCount > 0) leftovers.push(`${session.description}: a timer`);
      for (const event of session.eventNames()) {
        leftovers.push(`${session.description}: ${String(event)}`);
      }
    });
    const signaling = setup.session.signaling;
    const signalingListeners = () =>
      signaling.eventNames().reduce((n, e) => n + signaling.listenerCount(e), 0);
    const listenersBefore = signalingListeners();
    let failed = 0;
    for (let i = 0; i < 30; i++) {
      const v = await openViewer(setup, name, `leak-${i}`);
      try {
        await v.client.connected();
        await until(() => v.frames.length > 0, 5_000, "a first frame");
      } catch {
        failed++; // a rare loopback DTLS failure (see master-viewer.test.ts); it must clean up too
      }
      v.client.close();
      v.session.close();
    }
    assert.ok(failed <= 2, `${failed} of 30 connections failed`);
    await until(() => setup.master.viewers.size === 0, 10_000, "every viewer gone at the master");
    assert.deepEqual(leftovers, []);
    assert.equal(setup.broadcast.listenerCount, 0, "no session still listens to the rings");
    assert.equal(setup.master.earlyCandidateCount, 0);
    assert.equal(
      signalingListeners(),
      listenersBefore,
      "no listener added to signaling per viewer",
    );
    assert.equal(sessions.length, 30);
    await collectGarbage();
    await collectGarbage();
    const alive = sessions.filter((s) => s.deref() !== undefined).length;
    // A conservative collector (Bun's scans the native stack) may keep one or two.
    assert.ok(alive <= 3, `${alive} of 30 closed sessions are still reachable`);
  });
});
