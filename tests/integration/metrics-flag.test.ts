/**
 * `--metrics` on master and viewer, as separate processes: each side prints one record per
 * connection once it is up, every phase present and in protocol order, valid by the schema.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { phases } from "../../core/metrics/connection-timer.ts";
import { assertMatchesMetricsSchema } from "../helpers/metrics-schema.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

function connectionRecord(stdout: string) {
  const line = stdout.split("\n").find((l) => l.startsWith('{"kind":"connection"'));
  assert.ok(line, `no connection record in:\n${stdout}`);
  const record = JSON.parse(line);
  assertMatchesMetricsSchema(record);
  return record as {
    role: string;
    phases: { phase: string; startMs?: number; endMs?: number; note?: string }[];
  };
}

function assertWholeAndOrdered(record: ReturnType<typeof connectionRecord>) {
  assert.deepEqual(record.phases.map((p) => p.phase), [...phases]);
  for (const p of record.phases) {
    if (p.note !== undefined) continue;
    assert.ok(p.startMs !== undefined && p.endMs !== undefined, `${p.phase} has no marks`);
    assert.ok(p.endMs >= p.startMs, `${p.phase} ends before it starts`);
  }
  // Signaling comes before ICE, ICE before DTLS, DTLS before the first frame.
  const end = (phase: string) => record.phases.find((p) => p.phase === phase)?.endMs ?? NaN;
  assert.ok(end("connectWebSocket") <= end("findPeerToPeerConnection"));
  assert.ok(end("findPeerToPeerConnection") <= end("dtlsHandshake"));
  assert.ok(end("dtlsHandshake") <= end("firstFrame"));
}

describe("--metrics on master and viewer", () => {
  const running: KvsrtcProcess[] = [];
  after(async () => {
    for (const p of running) await p.stop();
  });

  test("each side prints a schema-valid record with every phase, in protocol order", async () => {
    const channel = `metrics-flag-${Date.now()}`;
    const master = runKvsrtc(["master", "--channel", channel, "--metrics", "--json"]);
    running.push(master);
    const [, url] = await master.waitFor(/--endpoint-url (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const viewer = runKvsrtc([
      "viewer",
      ...["--endpoint-url", url, "--channel", channel, "--frames", "15"],
      ...["--metrics", "--json"],
    ]);
    running.push(viewer);
    assert.equal(await viewer.exited, 0, viewer.output.stderr);
    await master.waitFor(/"kind":"connection"/, 10_000);

    const viewerRecord = connectionRecord(viewer.output.stdout);
    assert.equal(viewerRecord.role, "viewer");
    assertWholeAndOrdered(viewerRecord);
    const masterRecord = connectionRecord(master.output.stdout);
    assert.equal(masterRecord.role, "master");
    assertWholeAndOrdered(masterRecord);
  });
});
