/**
 * The master's session manager driven directly, through the narrow signaling interface, with
 * real offers from real peer connections: viewers are keyed by client id and capped by
 * --max-viewers; the storage peer (offers and candidates with no sender client id) is answered
 * with no recipient, only once the session joined storage, and never counts as a viewer.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Master } from "../../adapters/master/master.ts";
import { makeViewerOffer } from "../../adapters/webrtc/offer.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import type { IceCandidate, SessionDescription } from "../../adapters/aws/mod.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import { refusalReason } from "../../core/sdp/refusal.ts";
import type { Log } from "../../core/log.ts";
import type { PeerSignalingEvents } from "../../core/signaling/peer-signaling.ts";
import { until } from "../helpers/media-session.ts";

/** Signaling as a script: the test emits what peers send, and records what the master sends. */
class ScriptedSignaling extends EventEmitter<PeerSignalingEvents> {
  readonly answers: { answer: SessionDescription; to: string | undefined }[] = [];
  readonly candidates: { candidate: IceCandidate; to: string | undefined }[] = [];
  sendSdpOffer(): void {
    throw new Error("a master sends no offer");
  }
  sendSdpAnswer(answer: SessionDescription, to?: string): void {
    this.answers.push({ answer, to });
  }
  sendIceCandidate(candidate: IceCandidate, to?: string): void {
    this.candidates.push({ candidate, to });
  }
}

function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
}

describe("master session manager: viewers and the storage peer", () => {
  const peers: Peer[] = [];
  const masters: Master[] = [];
  after(() => {
    for (const m of masters) m.stop();
    for (const p of peers) p.close();
  });

  /** A real offer (video, audio and a data channel) from a peer connection of our own. */
  function offer(name: string): SessionDescription {
    const peer = new Peer({ name, iceServers: [], bindAddress: "127.0.0.1" });
    peers.push(peer);
    return makeViewerOffer(peer).offer;
  }

  function startMaster(maxViewers: number, candidateHoldMs?: number) {
    const signaling = new ScriptedSignaling();
    const log = recordingLog();
    const master = new Master({
      signaling,
      iceServers: () => [],
      broadcast: new Broadcast({ videoCodec: "h264" }),
      log,
      maxViewers,
      bindAddress: "127.0.0.1",
      candidateHoldMs,
    });
    masters.push(master);
    return { signaling, log, master };
  }

  test("a storage peer next to three viewers is answered with no recipient and is not a viewer", async () => {
    const { signaling, master } = startMaster(3);
    master.expectStoragePeer();
    const refused: string[] = [];
    master.on("viewerRefused", (id) => refused.push(id));
    for (const id of ["viewer-1", "viewer-2", "viewer-3"]) {
      signaling.emit("sdpOffer", offer(id), id);
    }
    signaling.emit("sdpOffer", offer("storage"), undefined);
    signaling.emit("sdpOffer", offer("viewer-4"), "viewer-4");

    const served = signaling.answers.filter((a) => refusalReason(a.answer.sdp) === undefined);
    assert.deepEqual(
      served.map((a) => a.to),
      ["viewer-1", "viewer-2", "viewer-3", undefined],
      "one answer per admitted peer; the storage peer's has no recipient",
    );
    assert.ok(signaling.answers.every((a) => a.answer.type === "answer"));
    const refusals = signaling.answers.filter((a) => refusalReason(a.answer.sdp) !== undefined);
    assert.deepEqual(refusals.map((a) => a.to), ["viewer-4"], "the refused viewer is told");
    assert.match(refusalReason(refusals[0].answer.sdp)!, /3 viewers are connected/);
    assert.equal(master.viewers.size, 3);
    assert.deepEqual(master.storage?.identity, { kind: "storage" });
    assert.deepEqual(refused, ["viewer-4"], "the storage peer takes no viewer's place");

    // The storage peer's own candidates go out with no recipient too.
    await until(
      () => signaling.candidates.some((c) => c.to === undefined),
      5_000,
      "a candidate to the storage peer",
    );
    assert.ok(signaling.candidates.every((c) => c.to === undefined || c.to.startsWith("viewer-")));
  });

  test("before the session joined storage, an offer with no sender is dropped with a warning", () => {
    const { signaling, log, master } = startMaster(10);
    signaling.emit("sdpOffer", offer("nobody"), undefined);
    signaling.emit("iceCandidate", {
      candidate: "candidate:1 1 UDP 1 127.0.0.1 9 typ host",
      sdpMid: "0",
      sdpMLineIndex: 0,
    }, undefined);
    assert.equal(signaling.answers.length, 0);
    assert.equal(master.storage, undefined);
    assert.equal(master.earlyCandidateCount, 0, "its candidate is not held either");
    assert.equal(log.warnings.length, 1);
    assert.match(log.warnings[0], /SDP offer without a sender client id/);
  });

  test("candidates before a peer's offer are held until the peer can have the answer, then given to its session", async () => {
    const { signaling, master } = startMaster(10, 100);
    master.expectStoragePeer();
    const candidate = (port: number): IceCandidate => ({
      candidate: `candidate:1 1 UDP 2122260223 127.0.0.1 ${port} typ host`,
      sdpMid: "0",
      sdpMLineIndex: 0,
    });
    signaling.emit("iceCandidate", candidate(50000), "early");
    signaling.emit("iceCandidate", candidate(50001), undefined);
    assert.equal(master.earlyCandidateCount, 2, "one held list per peer");
    signaling.emit("sdpOffer", offer("early"), "early");
    signaling.emit("sdpOffer", offer("storage"), undefined);
    signaling.emit("iceCandidate", candidate(50003), "early");
    assert.equal(master.earlyCandidateCount, 2, "still held: the answers are on their way");
    assert.equal(master.viewers.get("early")!.acceptsCandidates, false);
    await until(() => master.earlyCandidateCount === 0, 5_000, "the hold to end");
    assert.ok(master.viewers.get("early")!.acceptsCandidates, "released to the sessions");
    master.viewers.get("early")!.close("done");
    signaling.emit("iceCandidate", candidate(50002), "early");
    assert.equal(master.earlyCandidateCount, 0, "a departed viewer's late candidate is dropped");
  });
});
