/**
 * Connection metrics over real WebRTC on loopback: a master and a viewer in this process, the
 * embedded endpoint, and (when Debian's coturn is installed) a real TURN server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type KvsTarget, resolveTarget } from "../../adapters/aws/mod.ts";
import { type ConnectionRun, runConnection } from "../../adapters/metrics/run-connection.ts";
import { type Phase, phases, type PhaseTiming } from "../../core/metrics/connection-timer.ts";
import { connectionRecord, type Side, summaryRecord } from "../../core/metrics/records.ts";
import { type Coturn, coturnInstalled, startCoturn } from "../helpers/coturn.ts";
import { assertMatchesMetricsSchema } from "../helpers/metrics-schema.ts";
import { runKvsrtc } from "../helpers/kvsrtc-process.ts";

const signalingPhases: Phase[] = [
  "getCredentials",
  "describeChannel",
  "getSignalingEndpoints",
  "getIceServerConfig",
  "connectWebSocket",
];

function timing(timings: readonly PhaseTiming[], phase: Phase) {
  const t = timings.find((x) => x.phase === phase)!;
  return t;
}

/** Start and end of a phase that must have run. */
function marks(timings: readonly PhaseTiming[], phase: Phase, side: Side) {
  const t = timing(timings, phase);
  assert.ok(
    t.start !== undefined && t.end !== undefined,
    `${side}: ${phase} has no value (${t.note ?? "no marks"})`,
  );
  assert.ok(t.end >= t.start, `${side}: ${phase} ends (${t.end}) before it starts (${t.start})`);
  return { start: t.start, end: t.end };
}

type IceSetting = "no TURN server" | "TURN server" | "relay only";

/** Every phase present and each end after its start; the order the protocol imposes. */
function assertConnectionPhases(timings: readonly PhaseTiming[], side: Side, ice: IceSetting) {
  assert.deepEqual(timings.map((t) => t.phase), [...phases], `${side}: phases in protocol order`);
  const m = (phase: Phase) => marks(timings, phase, side);
  // Signaling: one call after the other.
  for (let i = 1; i < signalingPhases.length; i++) {
    assert.ok(
      m(signalingPhases[i]).start >= m(signalingPhases[i - 1]).end,
      `${side}: ${signalingPhases[i]} starts before ${signalingPhases[i - 1]} ends`,
    );
  }
  assert.equal(timing(timings, "joinStorageSession").note, "no storage session");
  assert.equal(timing(timings, "storageOffer").note, "no storage session");
  const signaled = m("connectWebSocket").end;
  // WebRTC starts once signaling is up: offer/answer, then gathering, checks, DTLS, media.
  assert.ok(m("firstFrame").start >= signaled, `${side}: first frame timed before signaling`);
  const gathered: Phase[] = ice === "relay only"
    ? ["gatherRelayCandidates"]
    : ["gatherHostCandidates", "gatherSrflxCandidates"];
  if (ice === "TURN server") gathered.push("gatherRelayCandidates");
  for (const phase of gathered) {
    assert.ok(m(phase).start >= m("firstFrame").start, `${side}: ${phase} before the offer`);
    assert.ok(m("findPeerToPeerConnection").start >= m(phase).start, `${side}: checks first`);
  }
  if (ice === "no TURN server") {
    assert.equal(timing(timings, "gatherRelayCandidates").note, "no TURN server");
  }
  if (ice === "relay only") {
    assert.equal(timing(timings, "gatherHostCandidates").note, "relay only");
    assert.equal(timing(timings, "gatherSrflxCandidates").note, "relay only");
  }
  assert.ok(m("dtlsHandshake").start >= m("findPeerToPeerConnection").end, `${side}: DTLS order`);
  assert.ok(m("firstFrame").end >= m("dtlsHandshake").end, `${side}: a frame before DTLS`);
}

/**
 * libdatachannel now and then refuses a sound answer when both peers share a busy CPU ("Got a
 * remote candidate without ICE transport"); the run then fails with that reason. Only that
 * failure is tried once more.
 */
const knownRefusal = /answer could not be applied: .*without ICE transport/;

async function connect(options: Parameters<typeof runConnection>[0]): Promise<ConnectionRun> {
  try {
    return await runConnection(options);
  } catch (error) {
    if (!knownRefusal.test((error as Error).message)) throw error;
    return await runConnection(options);
  }
}

function assertRecordsValid(run: ConnectionRun, channel: string) {
  for (const role of ["master", "viewer"] as const) {
    assertMatchesMetricsSchema(
      connectionRecord({ role, channel, clientId: run.clientId, timings: run[role]! }),
    );
  }
  assertMatchesMetricsSchema(
    summaryRecord({ target: "embedded", channel, failedRuns: 0, runs: [run] }),
  );
}

describe("metrics of a connection on the embedded endpoint", () => {
  let target: KvsTarget;
  before(async () => {
    target = await resolveTarget({});
  });
  after(() => target.close());

  test("both ends time every phase, in protocol order; relay says n/a with no TURN server", async () => {
    const run = await connect({
      target,
      channel: "metrics-plain",
      role: "both",
      timeoutMs: 20_000,
      bindAddress: "127.0.0.1",
    });
    assertConnectionPhases(run.master!, "master", "no TURN server");
    assertConnectionPhases(run.viewer!, "viewer", "no TURN server");
    assertRecordsValid(run, "metrics-plain");
  });
});

describe("metrics with a TURN server (coturn on loopback)", { skip: !coturnInstalled() }, () => {
  let coturn: Coturn;
  let target: KvsTarget;
  before(async () => {
    coturn = await startCoturn();
    target = await resolveTarget({}, {
      localEndpoint: { turn: { url: coturn.url, secret: coturn.secret } },
    });
  });
  after(async () => {
    await target?.close();
    await coturn?.stop();
  });

  test("the relay phase has a real value on both ends", async () => {
    const run = await connect({
      target,
      channel: "metrics-turn",
      role: "both",
      timeoutMs: 20_000,
      bindAddress: "127.0.0.1",
    });
    assertConnectionPhases(run.master!, "master", "TURN server");
    assertConnectionPhases(run.viewer!, "viewer", "TURN server");
    assertRecordsValid(run, "metrics-turn");
  });

  test("a connection forced to relay-only still delivers frames, through the TURN server", async () => {
    const run = await connect({
      target,
      channel: "metrics-relay-only",
      role: "both",
      timeoutMs: 20_000,
      bindAddress: "127.0.0.1",
      relayOnly: true,
      frames: 30,
    });
    assertConnectionPhases(run.master!, "master", "relay only");
    assertConnectionPhases(run.viewer!, "viewer", "relay only");
    assert.ok(run.framesReceived! >= 30, `only ${run.framesReceived} frames came`);
    // Each side signaled relayed candidates only, so every path runs through coturn.
    assert.deepEqual(run.viewerCandidateTypes, ["relay"]);
    const pairs = JSON.stringify(run.candidatePairs);
    assert.match(pairs, /relay/, `selected pairs: ${pairs}`);
  });
});

describe("kvsrtc metrics (the command, from source)", () => {
  test("--runs 2 --json prints a schema-valid record per run and side, then the summary", async () => {
    const kvsrtc = runKvsrtc(["metrics", "--runs", "2", "--json", "--channel", "metrics-cli"]);
    const code = await kvsrtc.exited;
    const { stdout, stderr } = kvsrtc.output;
    assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
    const records = stdout.trim().split("\n").map((line) => JSON.parse(line));
    for (const record of records) assertMatchesMetricsSchema(record);
    const summary = records.at(-1);
    const failures = stderr.split("\n").filter((line) => / failed: /.test(line));
    assert.ok(failures.every((line) => knownRefusal.test(line)), failures.join("\n"));
    assert.equal(summary.failedRuns, failures.length);
    assert.ok(summary.runs >= 1 && summary.runs + summary.failedRuns === 2);
    const completed = [1, 2].filter((run) => !failures.some((f) => f.includes(`run ${run}/2`)));
    assert.deepEqual(
      records.map((r) => `${r.kind} ${r.role ?? ""} ${r.run ?? ""}`.trim()),
      [
        ...completed.flatMap((run) => [`connection master ${run}`, `connection viewer ${run}`]),
        "summary",
      ],
    );
    for (const side of summary.sides) {
      for (const p of side.phases) {
        if (p.phase === "joinStorageSession" || p.phase === "storageOffer") {
          assert.equal(p.note, "no storage session");
        } else if (p.phase === "gatherRelayCandidates") assert.equal(p.note, "no TURN server");
        else assert.equal(p.count, summary.runs, `${side.role} ${p.phase}: ${JSON.stringify(p)}`);
      }
    }
    assert.match(
      stderr,
      /run \d\/2: first frame sent at \d+ ms \(master\), received at \d+ ms \(viewer\)/,
    );
  });

  test("prints the table: per phase min, p50, p95 and max for each side", async () => {
    const kvsrtc = runKvsrtc(["metrics", "--runs", "2", "--channel", "metrics-table"]);
    const code = await kvsrtc.exited;
    const { stdout, stderr } = kvsrtc.output;
    assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /^[12] connections? on channel metrics-table against the embedded local/);
    assert.match(stdout, /master phase +runs +min ms +p50 ms +p95 ms +max ms/);
    assert.match(stdout, /viewer phase +runs/);
    assert.match(stdout, /DTLS handshake +[12] +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+/);
    assert.match(stdout, /gather relay candidates +n\/a \(no TURN server\)/);
  });
});
