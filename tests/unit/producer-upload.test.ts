/**
 * The producer's whole core flow with a fake clock and a fake service: frames into the rings,
 * fragments cut and written as pieces, acknowledgements back, an ERROR and a cut connection:
 * the service ends up with every fragment exactly once, in order, every frame in them, and the
 * rings hold nothing for the upload once all is acknowledged.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FrameRing, type RingFrame } from "../../core/media/frame-ring.ts";
import { audioFrame, videoFrame } from "../../core/media/media-frame.ts";
import { endOfFragmentTag } from "../../core/mkv/mkv-writer.ts";
import { silentOpusPacket } from "../../core/opus/opus-silence.ts";
import { ProducerUpload, type UploadEvent } from "../../core/producer/producer-upload.ts";
import { avccNalUnits, type ReadCluster, readMkvBody } from "./support/mkv-read.ts";
import { concatBytes, sampleFrames, sampleOpusPackets } from "./support/samples.ts";

const startWallMs = 1_700_000_000_000;

/**
 * A PutMedia endpoint reduced to what the producer sees: it reads each connection's body,
 * stores each fragment once it is complete (its END_OF_FRAGMENT Tags read), and answers
 * BUFFERING, RECEIVED and PERSISTED for it, or an ERROR when told to fail the next one.
 */
class FakeService {
  readonly stored: ReadCluster[] = [];
  duplicates = 0;
  headers = 0;
  /** The next complete fragment gets this ERROR instead of being stored. */
  failNext?: number;
  /** Store complete fragments but send no acknowledgement (as if the cut took them). */
  silent = false;
  #body: Uint8Array[] = [];
  #seen = 0;

  connect(pieces: Uint8Array[]) {
    this.#body = [...pieces];
    this.#seen = 0;
  }

  write(pieces: Uint8Array[]) {
    this.#body.push(...pieces);
  }

  /** The acknowledgement bytes for the fragments completed since the last call. */
  process(): Uint8Array {
    const read = readMkvBody(concatBytes(this.#body));
    const complete = read.clusters.filter((c) => c.tags.includes(endOfFragmentTag));
    const lines: string[] = [];
    for (const cluster of complete.slice(this.#seen)) {
      const tc = cluster.timecodeMs;
      if (this.failNext) {
        lines.push(JSON.stringify({ EventType: "ERROR", FragmentTimecode: tc, ErrorId: 5000 }));
        this.failNext = undefined;
        continue;
      }
      if (this.stored.some((s) => s.timecodeMs === tc)) this.duplicates++;
      else this.stored.push(cluster);
      if (this.silent) continue;
      for (const type of ["BUFFERING", "RECEIVED", "PERSISTED"]) {
        lines.push(JSON.stringify({ EventType: type, FragmentTimecode: tc, Unknown: [1] }));
      }
    }
    this.#seen = complete.length;
    this.headers = read.headers;
    return new TextEncoder().encode(lines.map((l) => l + "\n").join(""));
  }
}

/** The sample's 10 s, video and Opus interleaved by time, as the rings get them. */
function sampleSchedule() {
  const schedule: { kind: "video" | "audio"; bytes: Uint8Array; timeUs: number }[] = [];
  let a = 0;
  sampleFrames.forEach((bytes, v) => {
    const timeUs = v * 33_333;
    for (; a < sampleOpusPackets.length && a * 20_000 < timeUs; a++) {
      schedule.push({ kind: "audio", bytes: sampleOpusPackets[a], timeUs: a * 20_000 });
    }
    schedule.push({ kind: "video", bytes, timeUs });
  });
  return schedule;
}

/** An upload of H.264 and stereo Opus from two new rings. */
function videoAndOpusUpload(keepsData: boolean, now: () => number) {
  const video = new FrameRing("video");
  const audio = new FrameRing("audio");
  const upload = new ProducerUpload({
    video,
    audio,
    audioChannels: 2,
    startWallMs,
    keepsData,
    now,
  });
  return { video, audio, upload };
}

describe("producer upload core", () => {
  test("an ERROR and a cut connection: every fragment stored once, in order, every frame", () => {
    const clock = { ms: 0 };
    const { video, audio, upload } = videoAndOpusUpload(true, () => clock.ms);
    const service = new FakeService();
    const events: UploadEvent[] = [];
    let connection = upload.connect();
    service.connect(connection.start);
    const answer = () => events.push(...connection.receive(service.process()));
    const reconnect = () => {
      const old = connection;
      connection = upload.connect(service.stored.map((c) => c.timecodeMs));
      service.connect(connection.start);
      const late = `{"EventType":"PERSISTED","FragmentTimecode":${startWallMs}}\n`;
      assert.deepEqual(old.receive(new TextEncoder().encode(late)), [], "the old one is deaf");
    };

    const pushed: RingFrame[] = [];
    let connectionsMade = 1;
    for (const item of sampleSchedule()) {
      clock.ms = item.timeUs / 1000;
      const frame = item.kind === "video"
        ? video.push(videoFrame(item.bytes, item.timeUs))
        : audio.push(audioFrame(item.bytes, item.timeUs));
      pushed.push(frame);
      const pieces = upload.push(frame);
      if (upload.connected) service.write(pieces);
      else assert.deepEqual(pieces, [], "nothing is written while disconnected");

      if (item.timeUs === 2_499_975) service.failNext = 5000; // the fragment at 2 s fails
      if (item.timeUs === 5_499_945) service.silent = true; // the one at 5 s: acks lost
      if (item.kind === "video" && item.timeUs % 333_330 === 0 && upload.connected) answer();
      if (events.some((e) => e.kind === "error") && upload.connected) {
        reconnect(); // an ERROR ends the connection: a new PutMedia at once
        events.length = 0;
        connectionsMade++;
      }
      if (item.timeUs === 6_499_935) { // cut mid-fragment; frames keep coming for 1 s
        service.silent = false;
        connection.close();
      }
      if (item.timeUs === 7_499_925) {
        reconnect();
        connectionsMade++;
      }
    }
    service.write(upload.finish());
    answer();

    assert.equal(connectionsMade, 3);
    assert.equal(service.headers, 1, "each connection starts with its own header");
    assert.equal(service.duplicates, 0, "nothing the service had was sent again");
    const expectedTimecodes = pushed.filter((f) => f.kind === "video" && f.keyframe)
      .map((f) => startWallMs + Math.round(f.timeUs / 1000));
    assert.deepEqual(service.stored.map((c) => c.timecodeMs), expectedTimecodes);

    const storedFrames = service.stored.flatMap((c) =>
      c.blocks.map((b) => ({ track: b.track, timecodeMs: c.timecodeMs + b.offsetMs, b }))
    );
    assert.equal(storedFrames.length, pushed.length, "every frame, none twice");
    storedFrames.forEach(({ track, timecodeMs, b }, i) => {
      const frame = pushed[i];
      assert.equal(track, frame.kind === "video" ? 1 : 2, `frame ${i}`);
      assert.equal(timecodeMs, startWallMs + Math.round(frame.timeUs / 1000), `frame ${i}`);
      const expected = frame.kind === "video"
        ? frame.nalUnits.map((u) => frame.bytes.subarray(u.offset, u.offset + u.length))
        : [frame.bytes];
      assert.ok(
        (frame.kind === "video" ? avccNalUnits(b.data) : [b.data]).every((unit, n) =>
          unit.length === expected[n].length && unit.every((x, k) => x === expected[n][k])
        ),
        `frame ${i}'s bytes`,
      );
    });

    const stats = upload.stats();
    assert.equal(stats.errors, 1);
    assert.equal(stats.fragmentsPersisted, expectedTimecodes.length - 1, "one ack was lost");
    assert.deepEqual(stats.dropped, {
      "buffer-seconds": 0,
      "buffer-bytes": 0,
      "ring-evicted": 0,
      "rejected": 0,
    });
    assert.equal(stats.heldFragments, 0);
    assert.deepEqual(upload.heldFragments, []);
    assert.equal(video.holderCount, 1, "only the retransmit window holds the video ring");
    assert.equal(audio.holderCount, 1);
    assert.equal(video.get(0), undefined, "the ring let the uploaded frames go");
  });

  test("a bad acknowledgement line is reported beside the good ones, and the upload goes on", () => {
    const video = new FrameRing("video");
    const upload = new ProducerUpload({ video, startWallMs, keepsData: false, now: () => 0 });
    const connection = upload.connect();
    const pieces = [...connection.start];
    for (let i = 0; i < 31; i++) {
      pieces.push(...upload.push(video.push(videoFrame(sampleFrames[i], i * 33_333))));
    }
    assert.equal(readMkvBody(concatBytes(pieces)).clusters.length, 2);
    const events = connection.receive(new TextEncoder().encode(
      `{"EventType":"IDLE"}\n{oops\n{"EventType":"RECEIVED","FragmentTimecode":${startWallMs}}\n`,
    ));
    assert.deepEqual(events.map((e) => e.kind), ["ack", "bad-line", "ack"]);
    assert.deepEqual(events[2], {
      kind: "ack",
      ack: { eventType: "RECEIVED", fragmentTimecode: startWallMs },
      done: true,
      latencyMs: 0,
    });
    assert.deepEqual(upload.heldFragments.map((f) => f.timecodeMs), [startWallMs + 1000]);
    assert.equal(upload.stats().bytesWritten, concatBytes(pieces).length);
  });

  test("audio that stops while video goes on: each fragment after it still has an Opus block (no 4011)", () => {
    const { video, audio, upload } = videoAndOpusUpload(false, () => 0);
    const pieces = [...upload.connect().start];
    for (const item of sampleSchedule()) {
      if (item.kind === "audio" && item.timeUs >= 3_000_000) continue; // the audio ends at 3 s
      const frame = item.kind === "video"
        ? video.push(videoFrame(item.bytes, item.timeUs))
        : audio.push(audioFrame(item.bytes, item.timeUs));
      pieces.push(...upload.push(frame));
    }
    pieces.push(...upload.finish());
    const { clusters } = readMkvBody(concatBytes(pieces));
    assert.equal(clusters.length, 10);
    for (const cluster of clusters) {
      const opus = cluster.blocks.filter((b) => b.track === 2);
      assert.ok(opus.length > 0, `an Opus block in the fragment at ${cluster.timecodeMs}`);
      if (cluster.timecodeMs - startWallMs < 3_000) continue;
      assert.deepEqual(opus.map((b) => [...b.data]), [[...silentOpusPacket]], "one silent packet");
      const lastVideo = cluster.blocks.filter((b) => b.track === 1).at(-1)!;
      assert.equal(opus[0].offsetMs, lastVideo.offsetMs, "at the fragment's last frame");
    }
  });
});
