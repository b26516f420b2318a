/**
 * A storage session on the local endpoint, in one process over real WebRTC on loopback: the
 * master joins, the endpoint's own storage peer offers to it, receives the sample and stores
 * fragments that start at keyframes and hold the source's frames whole and in order, with an
 * Opus track; a viewer is served beside it, the storage peer outside --max-viewers; a source
 * without audio is recorded with Opus silence; a session at its maximum duration ends and the
 * master joins again; a viewer that joins the session (JoinStorageSessionAsViewer) gets the
 * master's frames from the media server; a channel not mapped and a master not connected get
 * AWS's errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { sampleFrames } from "../unit/support/samples.ts";
import {
  assertSourceOrder,
  type MasterSetup,
  openViewer,
  testSessions,
  until,
} from "../helpers/media-session.ts";
import { prepareStorageChannel } from "../../adapters/aws/media-storage.ts";
import { StorageJoin } from "../../adapters/master/storage-join.ts";
import { kvsClientFor, KvsError, type KvsTarget, resolveTarget } from "../../adapters/aws/mod.ts";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { annexBAccessUnit, parseAvcDecoderConfig } from "../../core/h264/avcc.ts";
import { silentLog } from "../../core/log.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import type { StoredFragment } from "../../core/fragments/fragment.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { silentOpusPacket } from "../../core/opus/opus-silence.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { withOpusSilence } from "../../adapters/media/opus-silence-source.ts";

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** The stored video frames as Annex-B access units, in order. */
function videoFrames(fragments: readonly StoredFragment[]): Uint8Array[] {
  return fragments.flatMap((fragment) => {
    const track = fragment.tracks.find((t) => t.kind === "video")!;
    const config = parseAvcDecoderConfig(track.codecPrivate!);
    return fragment.frames.filter((f) => f.track === track.number)
      .map((f) => annexBAccessUnit(f.data, config, false));
  });
}

/** The master's storage join, once the storage peer is connected (recording). */
async function recordingJoin(setup: MasterSetup): Promise<StorageJoin> {
  const storageJoin = new StorageJoin({
    session: setup.session,
    master: setup.master,
    log: silentLog,
  });
  let recording = false;
  storageJoin.on("recording", () => recording = true);
  await storageJoin.start();
  await until(() => recording, 15_000, "the storage peer to connect");
  return storageJoin;
}

describe("storage session on the local endpoint", () => {
  let endpoint: LocalEndpoint;
  let target: KvsTarget;
  const { master, viewer } = testSessions();
  before(async () => {
    endpoint = await startLocalEndpoint({ onWarning: () => {} });
    target = await resolveTarget({ endpointUrl: endpoint.url, region: endpoint.region }, {});
  });
  after(async () => {
    await target.close();
    await endpoint.stop();
  });

  test("the storage peer records the master's media into the stream; a viewer is served beside it", async () => {
    const name = unique("storage");
    const kvs = kvsClientFor(target, silentLog);
    const { streamArn } = await prepareStorageChannel(kvs, name, {
      stream: unique("recorded"),
      createStream: true,
    });
    assert.ok(streamArn);
    const timer = new ConnectionTimer();
    const setup = await master(name, {
      endpointUrl: endpoint.url,
      storage: true,
      maxViewers: 1,
      timer,
    });
    const storageJoin = await recordingJoin(setup);
    const v = await viewer(setup, name, "beside-storage");
    await v.client.connected();
    await until(
      () => endpoint.testFragments.fragments(streamArn).length >= 3,
      20_000,
      "three fragments",
    );
    const storageTimer = setup.master.storage!.timer;
    await storageTimer.completed();
    assert.ok(storageTimer.duration("joinStorageSession")! >= 0, "the join is timed");
    assert.ok(storageTimer.duration("storageOffer")! >= 0, "and the storage peer's offer");
    // A viewer's connection beside the storage peer completes its metrics too.
    const viewerTimer = [...setup.master.viewers.values()][0].timer;
    await until(() => viewerTimer.isComplete(), 5_000, "the viewer's connection metrics");
    storageJoin.stop();
    const fragments = endpoint.testFragments.fragments(streamArn);
    for (const fragment of fragments) {
      assert.ok(fragment.frames[0].keyframe, "each fragment starts at a keyframe");
      assert.deepEqual(fragment.tracks.map((t) => t.codecId), ["V_MPEG4/ISO/AVC", "A_OPUS"]);
    }
    const frames = videoFrames(fragments);
    assert.ok(frames.length >= 60, `${frames.length} frames stored`);
    assertSourceOrder(frames, sampleFrames);
    assert.ok(
      fragments.some((f) => f.frames.some((frame) => frame.track === 2)),
      "Opus packets are stored",
    );
    const now = Date.now();
    assert.ok(Math.abs(fragments[0].producerTimestampMs - now) < 60_000, "absolute timestamps");
    assert.ok(v.frames.length > 30, "the viewer gets frames too (the storage peer is not counted)");
  });

  test("a video-only source is recorded with Opus silence beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kvsrtc-silence-"));
    try {
      const file = join(dir, "video.h264");
      writeFileSync(file, concatBytes(sampleFrames));
      const name = unique("silent");
      const kvs = kvsClientFor(target, silentLog);
      const { streamArn } = await prepareStorageChannel(kvs, name, {
        stream: unique("silent-stream"),
        createStream: true,
      });
      let said = false;
      const source = withOpusSilence(openSource({ source: file, fps: 30 }), () => said = true);
      const setup = await master(name, { endpointUrl: endpoint.url, storage: true, source });
      const storageJoin = new StorageJoin({
        session: setup.session,
        master: setup.master,
        log: silentLog,
      });
      await storageJoin.start();
      await until(
        () => endpoint.testFragments.fragments(streamArn!).length >= 2,
        20_000,
        "two fragments",
      );
      storageJoin.stop();
      assert.ok(said, "the silence is said");
      const audio = endpoint.testFragments.fragments(streamArn!).flatMap((f) =>
        f.frames.filter((frame) => frame.track === 2)
      );
      assert.ok(audio.length >= 25, `${audio.length} Opus packets stored`);
      for (const packet of audio) assert.deepEqual([...packet.data], [...silentOpusPacket]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a session at its maximum duration ends; the master joins again and recording goes on", async () => {
    const short = await startLocalEndpoint({ onWarning: () => {}, storageSessionMaxMs: 2500 });
    const shortTarget = await resolveTarget({ endpointUrl: short.url, region: short.region }, {});
    try {
      const name = unique("rejoin");
      const { streamArn } = await prepareStorageChannel(
        kvsClientFor(shortTarget, silentLog),
        name,
        {
          stream: unique("rejoined"),
          createStream: true,
        },
      );
      const setup = await master(name, { endpointUrl: short.url, storage: true });
      const storageJoin = new StorageJoin({
        session: setup.session,
        master: setup.master,
        log: silentLog,
      });
      let sessions = 0;
      storageJoin.on("recording", () => sessions++);
      const ends: string[] = [];
      setup.master.on("storageLeft", (reason) => ends.push(reason));
      const started = Date.now();
      await storageJoin.start();
      await until(() => sessions >= 2, 20_000, "a second storage session");
      assert.ok(Date.now() - started > 2500, "the second came after the first's maximum");
      // Heard at once, not after the RTCP watchdog's silence.
      assert.equal(ends[0], "the storage peer said goodbye (RTCP BYE)");
      await until(
        () => short.testFragments.fragments(streamArn!).length >= 3,
        10_000,
        "fragments from both",
      );
      storageJoin.stop();
      const fragments = short.testFragments.fragments(streamArn!);
      assert.ok(fragments.every((f) => f.frames[0].keyframe));
      for (let i = 1; i < fragments.length; i++) {
        assert.ok(fragments[i].producerTimestampMs >= fragments[i - 1].producerTimestampMs);
      }
    } finally {
      await shortTarget.close();
      await short.stop();
    }
  });

  test("a viewer joined to the storage session gets the master's frames from the media server", async () => {
    const name = unique("forward");
    await prepareStorageChannel(kvsClientFor(target, silentLog), name, {
      stream: unique("forwarded"),
      createStream: true,
    });
    const setup = await master(name, { endpointUrl: endpoint.url, storage: true });
    const storageJoin = await recordingJoin(setup);
    const joined = await openViewer(setup, name, "joined-viewer", { storageViewer: true });
    try {
      await joined.session.joinStorageSession();
      await joined.client.connected();
      await until(() => joined.frames.length >= 60, 20_000, "60 forwarded frames");
      assert.equal(setup.master.viewers.size, 0, "the media server serves it, not the master");
      assertSourceOrder(joined.frames, sampleFrames);
      assert.equal(joined.client.stats.framesDropped, 0);
    } finally {
      joined.close();
      storageJoin.stop();
    }
  });

  test("JoinStorageSession: a channel not mapped, and no master connected, get AWS's errors", async () => {
    const kvs = kvsClientFor(target, silentLog);
    const name = unique("unmapped");
    const { channelArn, streamArn } = await prepareStorageChannel(kvs, name, {});
    assert.equal(streamArn, undefined);
    const webrtc = endpoint.url;
    await assert.rejects(
      kvs.joinStorageSession(webrtc, channelArn),
      (e: unknown) => e instanceof KvsError && e.name === "InvalidArgumentException",
    );
    const mapped = unique("no-master");
    const ready = await prepareStorageChannel(kvs, mapped, {
      stream: unique("s"),
      createStream: true,
    });
    await assert.rejects(
      kvs.joinStorageSession(webrtc, ready.channelArn),
      (e: unknown) =>
        e instanceof KvsError && e.name === "ResourceNotFoundException" &&
        /No master is connected/.test(e.message),
    );
  });
});
