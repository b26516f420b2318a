/**
 * kvsrtc master and viewers in one process, over real WebRTC on loopback, through an
 * in-process local endpoint: frames arrive whole and in order at ten viewers, the eleventh is
 * refused, lost packets come back through NACK, PLI gets a keyframe at once (and the frames sent
 * again with it are skipped), the data channel echoes, and viewers that come and go leave
 * nothing behind.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sampleFrames } from "../unit/support/samples.ts";
import { assertSourceOrder, openViewer, testSessions, until } from "../helpers/media-session.ts";
import type { PeerSession } from "../../adapters/master/peer-session.ts";
import { dropVideoRtp } from "../../adapters/master/test-loss.ts";

const channel = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

describe("master and viewers over WebRTC on loopback", () => {
  const { master, viewer } = testSessions();

  test("ten viewers each get 150 frames identical to the source, in order; the 11th is refused", async () => {
    const name = channel("ten");
    const setup = await master(name);
    const ten = await Promise.all(
      Array.from({ length: 10 }, (_, i) => viewer(setup, name, `viewer-${i}`)),
    );
    await Promise.all(ten.map((v) => v.client.connected()));
    await assert.rejects(
      viewer(setup, name, "viewer-10"),
      /refused the WebSocket for the viewer viewer-10/,
      "the endpoint refuses an 11th viewer at signaling",
    );
    await until(() => ten.every((v) => v.frames.length >= 150), 20_000, "150 frames each");
    for (const v of ten) {
      const first = assertSourceOrder(v.frames, sampleFrames);
      assert.equal(first % 30, 0, "each viewer starts on a keyframe");
      assert.ok(v.audio.length > 100, "audio packets arrive too");
    }
    assert.equal(setup.master.viewers.size, 10);
  });

  test("a master at --max-viewers refuses the next viewer, which gives up cleanly", async () => {
    const name = channel("max");
    const setup = await master(name, { maxViewers: 1 });
    const refused: string[] = [];
    setup.master.on("viewerRefused", (id) => refused.push(id));
    const first = await viewer(setup, name, "first");
    await first.client.connected();
    await viewer(setup, name, "second");
    await until(() => refused.length === 1, 5_000, "the refusal");
    assert.deepEqual(refused, ["second"]);
    const framesBefore = first.frames.length;
    await until(
      () => first.frames.length > framesBefore + 10,
      5_000,
      "the first viewer keeps going",
    );
  });

  test("RTP packets dropped before sending all come back through NACK: every frame whole", async () => {
    const name = channel("loss");
    let n = 0;
    const setup = await master(name);
    const loss = dropVideoRtp(setup.master, () => ++n % 10 === 0);
    const v = await viewer(setup, name, "lossy");
    await until(() => v.frames.length >= 90, 15_000, "90 frames");
    assertSourceOrder(v.frames, sampleFrames);
    const sender = [...setup.master.viewers.values()][0].senders.get("video")!.sender;
    assert.ok(loss.dropped >= 40, `${loss.dropped} dropped`);
    assert.ok(sender.stats.retransmissions >= loss.dropped - 5);
    assert.ok(v.client.stats.nacksSent > 0);
    assert.equal(v.client.stats.framesDropped, 0);
  });

  test("PLI from the viewer brings a keyframe within one frame interval; frames sent again are skipped", async () => {
    const name = channel("pli");
    const setup = await master(name);
    const v = await viewer(setup, name, "pli");
    await until(() => v.frames.length >= 40, 10_000, "40 frames");
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 400));
      const sentAt = performance.now();
      // Mostly the keyframe this viewer already has, sent again: a "repeatedFrame".
      const keyframe = new Promise<number>((resolve) => {
        const onFrame = (au: { keyframe: boolean }) => au.keyframe && resolve(performance.now());
        v.client.on("frame", onFrame);
        v.client.on("repeatedFrame", onFrame);
      });
      assert.ok(v.client.requestKeyframe());
      delays.push((await keyframe) - sentAt);
    }
    // The median: one PLI answered late by a loaded machine (seen once: 133 ms in the full
    // suite) is not the master waiting for its next keyframe (up to a second away), which most
    // answers would show.
    const median = delays.toSorted((a, b) => a - b)[2];
    const shown = delays.map((d) => d.toFixed(1)).join(", ");
    assert.ok(median < 1000 / 30, `keyframes ${shown} ms after PLI`);
    assertSourceOrder(v.frames, sampleFrames);
    assert.ok(v.client.stats.framesRepeated > 0, "the GOPs sent again were skipped");
  });

  test("the master echoes what the viewer sends on the data channel", async () => {
    const name = channel("data");
    const setup = await master(name);
    const heard: string[] = [];
    setup.master.on("message", (_id, text) => heard.push(text));
    const v = await viewer(setup, name, "talker");
    await new Promise<void>((r) => v.client.once("dataChannelOpen", r));
    assert.ok(v.client.sendMessage("hello master"));
    await until(() => v.messages.length > 0, 5_000, "the echo");
    assert.deepEqual(v.messages, ["echo: hello master"]);
    assert.deepEqual(heard, ["hello master"]);
  });

  test("50 viewer join/leave cycles leave no peer, timer or buffer behind", async () => {
    const name = channel("churn");
    const setup = await master(name);
    const closed: PeerSession[] = [];
    setup.master.on("viewerJoined", (id) => closed.push(setup.master.viewers.get(id)!));
    let failed = 0;
    for (let i = 0; i < 50; i++) {
      const v = await openViewer(setup, name, `churn-${i}`);
      try {
        await v.client.connected();
        await until(() => v.frames.length > 0, 5_000, "a first frame");
      } catch {
        // Rarely (about 1 in 300 back-to-back connections here) libdatachannel fails a
        // loopback connection during the DTLS handshake; a failed cycle must clean up too.
        failed++;
      }
      v.close();
    }
    assert.ok(failed <= 2, `${failed} of 50 connections failed`);
    await until(() => setup.master.viewers.size === 0, 10_000, "every viewer gone at the master");
    assert.equal(closed.length, 50);
    assert.equal(setup.broadcast.listenerCount, 0, "no viewer still listens to the rings");
    assert.equal(setup.master.earlyCandidateCount, 0);
    for (const c of closed) {
      assert.equal(c.timerCount, 0, `${c.description} left a timer`);
      assert.equal(c.peer.state, "closed");
      for (const { sender } of c.senders.values()) assert.equal(sender.retransmitBuffer.size, 0);
    }
  });
});
