/**
 * Drives a ProducerUpload over PutMedia requests: one more consumer of a broadcast's frame
 * rings, writing each frame's pieces (views of the ring's bytes) into the current request's
 * body and feeding its response to the acknowledgement parser. An ERROR acknowledgement, a
 * dropped connection, an ended response or a stale one (no acknowledgement within 5 s of data,
 * producer-c's rule) makes a new request, after a backoff, that replays what is still held
 * minus what ListFragments says the stream already has; an ERROR about the stream itself (deleted,
 * its KMS key refused) ends the upload instead (`failed`). Frames keep flowing into the held
 * fragments meanwhile, within the upload window's bounds; a viewer never waits for any of it.
 */
import type { Broadcast } from "../../core/media/broadcast.ts";
import type { RingFrame } from "../../core/media/frame-ring.ts";
import type { Log } from "../../core/log.ts";
import { backoffDelay, type RetryPolicy } from "../../core/aws/retry.ts";
import type { FragmentAck } from "../../core/producer/ack-parser.ts";
import {
  ProducerUpload,
  type ProducerUploadStats,
  type UploadConnection,
  type UploadEvent,
} from "../../core/producer/producer-upload.ts";
import type { DroppedFragment } from "../../core/producer/upload-window.ts";
import type { UploadPhase, UploadTimer } from "../../core/metrics/upload-timer.ts";
import type { KvsTarget } from "../aws/target.ts";
import { kvsClientFor } from "../aws/target.ts";
import { sleep } from "../aws/sleep.ts";
import { oneLine } from "../media/source.ts";
import { openPutMedia, type PutMediaRequest } from "./put-media-request.ts";
import { StreamApi, type StreamInfo } from "./stream-api.ts";

/** producer-c's rule: data sent and no acknowledgement within this long: the connection is stale. */
export const staleConnectionMs = 5_000;

/**
 * Body bytes queued in a request and not yet taken by its socket, at most: past it the
 * connection is stalled (the queue would pin frames the ring has let go), so it is dropped.
 */
export const maxQueuedBodyBytes = 8 << 20;

/** How long stop() waits for the acknowledgement of what is held, by default. */
export const defaultStopGraceMs = 10_000;

/** Waits between reconnects: backoff with full jitter, up to 5 s. */
const reconnectPolicy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs"> = {
  baseDelayMs: 250,
  maxDelayMs: 5_000,
};

const checkEveryMs = 250;

const firstAckPhases: Partial<Record<string, UploadPhase>> = {
  BUFFERING: "firstBuffering",
  RECEIVED: "firstReceived",
  PERSISTED: "firstPersisted",
};

export interface PutMediaUploaderOptions {
  target: KvsTarget;
  broadcast: Broadcast;
  stream: StreamInfo;
  log: Log;
  /** Upload an Opus track; undefined: when the audio ring has a frame at the first keyframe. */
  audio?: boolean;
  maxFragmentMs?: number;
  bufferSeconds?: number;
  /** The upload began (at the first keyframe), with or without an Opus track. */
  onStart?: (withAudio: boolean) => void;
  /** Every acknowledgement, as it came. */
  onAck?: (ack: FragmentAck, latencyMs?: number) => void;
  /** Marks the upload's phases (for --metrics); its first marks (credentials, stream) are the caller's. */
  timer?: UploadTimer;
}

export interface PutMediaUploaderStats extends ProducerUploadStats {
  /** PutMedia requests opened. */
  connections: number;
  /** Frames taken from the rings, from the first keyframe on. */
  framesTaken: { video: number; audio: number };
}

export class PutMediaUploader {
  readonly #options: PutMediaUploaderOptions;
  readonly #api: StreamApi;
  readonly #unsubscribe: () => void;
  readonly #firstKeyframe: Promise<void>;
  #keyframeSeen!: () => void;
  #upload?: ProducerUpload;
  readonly #framesTaken = { video: 0, audio: 0 };
  #request?: PutMediaRequest;
  #connection?: UploadConnection;
  #dataEndpoint?: string;
  #listEndpoint?: string;
  #connections = 0;
  #closed = false;
  /** Cuts the wait before a reconnect short when the upload stops. */
  readonly #stopping = new AbortController();
  #running?: Promise<void>;
  readonly #checks: ReturnType<typeof setInterval>;
  #failure?: Error;
  #failedWith!: (error: Error) => void;
  /**
   * Settles when the service refused the stream itself (an ERROR in `streamFaults`): the
   * upload ended, its frames let go, and no new PutMedia is made. Never, otherwise.
   */
  readonly failed: Promise<Error> = new Promise((resolve) => (this.#failedWith = resolve));

  constructor(options: PutMediaUploaderOptions) {
    this.#options = options;
    if (options.stream.retentionHours === 0) {
      options.timer?.skip("firstPersisted", "the stream keeps no data");
    }
    this.#api = new StreamApi(kvsClientFor(options.target, options.log).options);
    this.#firstKeyframe = new Promise((resolve) => (this.#keyframeSeen = resolve));
    this.#unsubscribe = options.broadcast.subscribe((frame) => this.#push(frame));
    this.#checks = setInterval(() => this.#check(), checkEveryMs);
    this.#running = this.#run();
  }

  stats(): PutMediaUploaderStats | undefined {
    return this.#upload && {
      ...this.#upload.stats(),
      connections: this.#connections,
      framesTaken: { ...this.#framesTaken },
    };
  }

  /**
   * Ends the open fragment and waits (up to `graceMs`) for the acknowledgement of everything
   * held, then ends the request and lets every frame go. True when nothing was left unacknowledged.
   */
  async stop(graceMs = defaultStopGraceMs): Promise<boolean> {
    if (this.#failure) {
      await this.#running;
      return false;
    }
    this.#unsubscribe();
    if (this.#upload) this.#write(this.#upload.finish());
    const deadline = Date.now() + graceMs;
    while (this.#upload && this.#upload.heldFragments.length > 0 && Date.now() < deadline) {
      await sleep(50);
    }
    const acknowledged = (this.#upload?.heldFragments.length ?? 0) === 0;
    this.#closed = true;
    this.#stopping.abort();
    this.#keyframeSeen();
    clearInterval(this.#checks);
    this.#request?.end();
    this.#request?.destroy();
    this.#upload?.close();
    await this.#running;
    return acknowledged;
  }

  #push(frame: RingFrame) {
    if (!this.#upload) {
      if (frame.kind !== "video" || !frame.keyframe) return;
      const { broadcast } = this.#options;
      const withAudio = this.#options.audio ?? broadcast.audio.newest !== undefined;
      this.#upload = new ProducerUpload({
        video: broadcast.video,
        ...(withAudio ? { audio: broadcast.audio } : {}),
        startWallMs: Date.now() - Math.round(frame.timeUs / 1000),
        keepsData: this.#options.stream.retentionHours > 0,
        now: () => Date.now(),
        maxFragmentMs: this.#options.maxFragmentMs,
        bufferSeconds: this.#options.bufferSeconds,
        onDropped: (drop) => this.#dropped(drop),
      });
      this.#keyframeSeen();
      this.#options.timer?.start("firstFragmentSent");
      this.#options.onStart?.(withAudio);
    }
    this.#framesTaken[frame.kind]++;
    this.#write(this.#upload.push(frame));
  }

  #write(pieces: Uint8Array[]) {
    const request = this.#request;
    if (!request) return;
    request.write(pieces);
    if (pieces.length === 0 || !this.#options.timer) return;
    this.#options.timer.end("firstFragmentSent");
    for (const phase of ["firstBuffering", "firstReceived", "firstPersisted"] as const) {
      this.#options.timer.start(phase);
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      let progressed = false;
      try {
        progressed = await this.#connectOnce();
      } catch (error) {
        if (this.#closed) break;
        this.#options.log.warn(
          `PutMedia to stream ${this.#options.stream.name}: ${oneLine(error)}`,
        );
        this.#dataEndpoint = undefined;
      }
      if (this.#closed) break;
      failures = progressed ? 1 : failures + 1;
      await sleep(backoffDelay(failures, reconnectPolicy), this.#stopping.signal);
    }
  }

  /** One PutMedia request, to its end; true when the service acknowledged anything on it. */
  async #connectOnce(): Promise<boolean> {
    const { target, stream, log } = this.#options;
    const timer = this.#options.timer;
    timer?.start("getDataEndpoint");
    this.#dataEndpoint ??= await this.#api.dataEndpoint(stream.arn, "PUT_MEDIA");
    timer?.end("getDataEndpoint");
    await this.#firstKeyframe;
    if (this.#closed) return false;
    const stored = await this.#storedTimecodes();
    if (this.#closed) return false;
    const credentials = await target.credentials.get();
    let acknowledged = false;
    let why: string | undefined;
    timer?.start("putMediaConnected");
    const ended = new Promise<Error | undefined>((resolve) => {
      const ready = openPutMedia({
        dataEndpoint: this.#dataEndpoint!,
        streamArn: stream.arn,
        producerStartMs: Date.now(),
        credentials,
        region: target.region,
        date: target.clock.now(),
        onConnected: () => timer?.end("putMediaConnected"),
        onData: (chunk) => {
          for (const event of this.#connection?.receive(chunk) ?? []) {
            acknowledged ||= event.kind === "ack";
            why ??= this.#handle(event);
          }
          if (why) this.#request?.destroy();
        },
        onEnd: ({ error }) => {
          this.#connection?.responseEnded();
          this.#connection?.close();
          this.#connection = undefined;
          this.#request = undefined;
          resolve(error);
        },
      });
      ready.then((request) => {
        if (this.#closed) return request.destroy();
        this.#request = request;
        this.#connection = this.#upload!.connect(stored);
        this.#connections++;
        this.#write(this.#connection.start);
      }, resolve);
    });
    const error = await ended;
    if (!this.#closed) {
      log.warn(
        `PutMedia to stream ${stream.name} ended (${
          why ?? (error ? oneLine(error) : "the service ended it")
        }); reconnecting`,
      );
    }
    return acknowledged;
  }

  /** After a cut, what the stream already has of the fragments held (where it keeps data). */
  async #storedTimecodes(): Promise<number[]> {
    const held = this.#upload!.heldFragments;
    if (this.#connections === 0 || held.length === 0 || this.#options.stream.retentionHours === 0) {
      return [];
    }
    const { arn } = this.#options.stream;
    this.#listEndpoint ??= await this.#api.dataEndpoint(arn, "LIST_FRAGMENTS");
    return this.#api.storedTimecodes(
      this.#listEndpoint,
      arn,
      held[0].timecodeMs,
      held.at(-1)!.timecodeMs,
    );
  }

  /** An event of the response; returns why the connection must end, if it must. */
  #handle(event: UploadEvent): string | undefined {
    if (event.kind === "bad-line") {
      this.#options.log.warn(
        `PutMedia answered a line that is not an acknowledgement: ${event.reason}`,
      );
      return undefined;
    }
    this.#options.onAck?.(event.ack, event.kind === "ack" ? event.latencyMs : undefined);
    if (event.kind === "error") {
      if (event.streamFault) this.#fail(event.ack, event.streamFault);
      return `ERROR ${event.ack.errorId} ${event.ack.errorCode ?? ""} on fragment ${
        event.ack.fragmentTimecode ?? "?"
      }`.replace("  ", " ");
    }
    const phase = firstAckPhases[event.ack.eventType];
    if (phase) this.#options.timer?.end(phase);
    return undefined;
  }

  /** The stream itself was refused: the upload ends here, with nothing more sent or retried. */
  #fail(ack: FragmentAck, why: string) {
    if (this.#closed) return;
    const { name } = this.#options.stream;
    this.#failure = new Error(
      `stream ${name} cannot take the upload: ${why} (PutMedia answered ERROR ${ack.errorId}` +
        `${ack.errorCode ? ` ${ack.errorCode}` : ""}); the upload stopped`,
    );
    this.#closed = true;
    this.#unsubscribe();
    this.#stopping.abort();
    this.#keyframeSeen();
    clearInterval(this.#checks);
    this.#request?.destroy();
    this.#upload?.close();
    this.#failedWith(this.#failure);
  }

  /** Every quarter second: a stale or stalled connection is dropped (and so made anew). */
  #check() {
    const request = this.#request;
    const stats = this.#upload?.stats();
    if (!request || !stats) return;
    const waiting = stats.waitingSinceMs;
    const stale = waiting !== undefined && Date.now() - waiting > staleConnectionMs;
    if (stale || request.queuedBytes > maxQueuedBodyBytes) {
      this.#options.log.warn(
        stale
          ? `PutMedia: no acknowledgement ${
            staleConnectionMs / 1000
          } s after data; dropping the connection`
          : `PutMedia: ${request.queuedBytes} body bytes not taken by the connection; dropping it`,
      );
      request.destroy();
    }
  }

  #dropped(drop: DroppedFragment) {
    const why = drop.reason === "rejected"
      ? `the service refused it (ERROR ${drop.errorId})`
      : drop.reason === "ring-evicted"
      ? "the frame ring's byte cap took its frames"
      : `the upload buffer (${
        drop.reason === "buffer-seconds" ? "--buffer-seconds" : "its byte cap"
      }) was full`;
    this.#options.log.warn(`fragment ${drop.timecodeMs} dropped unacknowledged: ${why}`);
  }
}
