/**
 * The fragments an upload sent and the service has not yet acknowledged. Each pins its frames
 * in the frame rings (a holder at its first frame in each ring) until it is PERSISTED, or
 * RECEIVED when the stream keeps no data; after an ERROR acknowledgement or a dropped
 * connection, the ones still held are what a new PutMedia sends again.
 *
 * What it holds is bounded by media time and bytes: past either, the oldest fragments go, and
 * so do fragments whose frames the ring's own byte cap evicted. Both are counted and reported,
 * never silent.
 */
import type { FrameHolder, FrameRing } from "../media/frame-ring.ts";
import type { FragmentAck } from "./ack-parser.ts";
import type { OutgoingFragment } from "./fragmenter.ts";

/**
 * ERROR ids about the stream itself, not the fragment: a new PutMedia would be refused the same
 * way, so the upload ends (PIC's serviceCallResultRetry answers no retry for each). 4008
 * STREAM_NOT_ACTIVE is not here: a stream being updated becomes active again.
 */
export const streamFaults: ReadonlyMap<number, string> = new Map([
  [4500, "its KMS key refused access"],
  [4501, "its KMS key is disabled"],
  [4502, "its KMS key failed validation"],
  [4503, "its KMS key is unavailable"],
  [4504, "its KMS key cannot be used so"],
  [4505, "its KMS key is in an invalid state"],
  [4506, "its KMS key was not found"],
  [4507, "it was deleted"],
]);

/** Media time held by default: a minute of fragments waiting for their acknowledgement. */
export const defaultBufferSeconds = 60;

/** Frame bytes held by default: a minute of 2 Mbit/s video, within the ring's own 16 MiB cap. */
export const defaultBufferMaxBytes = 15 << 20;

/**
 * ERROR ids that condemn the fragment itself (too large, too long, out of order, malformed):
 * sending it again would fail again, so it is dropped. Any other error sends it again.
 */
const fragmentFaults: ReadonlySet<number> = new Set([
  4001,
  4002,
  4004,
  4005,
  4006,
  4009,
  4010,
  4011,
  4012,
]);

export type DropReason = "buffer-seconds" | "buffer-bytes" | "ring-evicted" | "rejected";

/** Told each time fragments go unacknowledged (its owner warns). */
export interface DroppedFragment {
  timecodeMs: number;
  reason: DropReason;
  /** For "rejected": the ERROR acknowledgement's id. */
  errorId?: number;
}

export interface UploadWindowOptions {
  video: FrameRing;
  audio?: FrameRing;
  /** The stream keeps data (retention > 0): hold until PERSISTED, else until RECEIVED. */
  keepsData: boolean;
  /** ms, for the acknowledgement latency. */
  now: () => number;
  bufferSeconds?: number;
  maxBytes?: number;
  onDropped?: (drop: DroppedFragment) => void;
}

interface Held {
  fragment: OutgoingFragment;
  holders: FrameHolder[];
  /** When its first byte went on the current connection; undefined before it is (re)sent. */
  sentAtMs?: number;
  /** When its end (the Tags after its Cluster) went on the current connection. */
  endSentAtMs?: number;
}

/** What an acknowledgement did. */
export interface AckOutcome {
  /** The held fragment it names, if any (acks of dropped fragments name none). */
  fragment?: OutgoingFragment;
  /** It completed the fragment: released from the window. */
  done: boolean;
  /** From the sending of the fragment's end to this acknowledgement, ms. */
  latencyMs?: number;
  /** An ERROR: the connection must end and a new PutMedia send the fragments held. */
  reconnect: boolean;
  /** An ERROR about the stream (`streamFaults`): why no new PutMedia can go on with it. */
  streamFault?: string;
}

export interface UploadWindowStats {
  fragmentsSent: number;
  /** Fragments that got a BUFFERING or any later acknowledgement. */
  fragmentsAcknowledged: number;
  fragmentsPersisted: number;
  /** Fragments that got RECEIVED (where data is kept, PERSISTED follows). */
  fragmentsReceived: number;
  errors: number;
  dropped: Record<DropReason, number>;
  heldFragments: number;
  heldSeconds: number;
  heldBytes: number;
  /**
   * The latest completing acknowledgement's latency, ms: from when the fragment's last byte
   * went out, so a fragment's own length (its frames arriving in real time) is not counted.
   */
  ackLatencyMs?: number;
  /**
   * When the oldest fragment sent on this connection and not acknowledged at all went out (ms,
   * the injected clock): producer-c drops a connection that has no BUFFERING 5 s after data.
   */
  waitingSinceMs?: number;
}

export class UploadWindow {
  readonly #options: UploadWindowOptions;
  readonly #bufferMs: number;
  readonly #maxBytes: number;
  readonly #held: Held[] = [];
  readonly #acknowledged = new Set<OutgoingFragment>();
  readonly #stats = {
    fragmentsSent: 0,
    fragmentsAcknowledged: 0,
    fragmentsPersisted: 0,
    fragmentsReceived: 0,
    errors: 0,
    dropped: { "buffer-seconds": 0, "buffer-bytes": 0, "ring-evicted": 0, "rejected": 0 },
    ackLatencyMs: undefined as number | undefined,
  };

  constructor(options: UploadWindowOptions) {
    this.#options = options;
    this.#bufferMs = (options.bufferSeconds ?? defaultBufferSeconds) * 1000;
    this.#maxBytes = options.maxBytes ?? defaultBufferMaxBytes;
  }

  /** The fragments held, oldest first. */
  get fragments(): OutgoingFragment[] {
    return this.#held.map((h) => h.fragment);
  }

  /**
   * A fragment just started (its first frame, a keyframe, pushed): it is held from that frame
   * on in the video ring, and from the next frame on in the audio ring.
   */
  add(fragment: OutgoingFragment): void {
    const first = fragment.frames[0];
    if (!first || first.kind !== "video") {
      throw new Error("a fragment is held from its first frame, a video keyframe");
    }
    const name = `upload fragment ${fragment.timecodeMs}`;
    const held: Held = { fragment, holders: [this.#options.video.hold(name, first.index)] };
    if (this.#options.audio) held.holders.push(this.#options.audio.hold(name));
    for (const holder of held.holders) {
      holder.onLost = () => this.#drop(held, "ring-evicted");
    }
    this.#held.push(held);
  }

  /** The fragment's first byte went on a connection now. */
  sent(fragment: OutgoingFragment): void {
    const held = this.#find(fragment.timecodeMs);
    if (!held) return;
    held.sentAtMs = this.#options.now();
    this.#stats.fragmentsSent++;
  }

  /** The fragment's end went on the connection now: its ack latency counts from here. */
  ended(fragment: OutgoingFragment): void {
    const held = this.#find(fragment.timecodeMs);
    if (held) held.endSentAtMs = this.#options.now();
  }

  /** The connection ended: nothing held is in flight any more. */
  connectionLost(): void {
    for (const held of this.#held) held.sentAtMs = held.endSentAtMs = undefined;
  }

  /**
   * The fragments to send on a new connection: every one held, minus those the service
   * reports it already has (by producer timestamp), which count as done.
   */
  resend(storedTimecodesMs: Iterable<number> = []): OutgoingFragment[] {
    for (const timecodeMs of storedTimecodesMs) {
      const held = this.#find(timecodeMs);
      if (held) this.#release(held);
    }
    return this.fragments;
  }

  acknowledge(ack: FragmentAck): AckOutcome {
    if (ack.eventType === "IDLE") return { done: false, reconnect: false };
    const held = ack.fragmentTimecode === undefined ? undefined : this.#find(ack.fragmentTimecode);
    if (ack.eventType === "ERROR") {
      this.#stats.errors++;
      if (held && fragmentFaults.has(ack.errorId!)) this.#drop(held, "rejected", ack.errorId);
      const streamFault = streamFaults.get(ack.errorId!);
      return {
        fragment: held?.fragment,
        done: false,
        reconnect: true,
        ...(streamFault ? { streamFault } : {}),
      };
    }
    if (!held) return { done: false, reconnect: false };
    const fragment = held.fragment;
    if (!this.#acknowledged.has(fragment)) {
      this.#acknowledged.add(fragment);
      this.#stats.fragmentsAcknowledged++;
    }
    if (ack.eventType === "RECEIVED") this.#stats.fragmentsReceived++;
    if (ack.eventType === "PERSISTED") this.#stats.fragmentsPersisted++;
    const done = ack.eventType === "PERSISTED" ||
      (ack.eventType === "RECEIVED" && !this.#options.keepsData);
    if (!done) return { fragment, done, reconnect: false };
    const latencyMs = held.endSentAtMs === undefined
      ? undefined
      : this.#options.now() - held.endSentAtMs;
    if (latencyMs !== undefined) this.#stats.ackLatencyMs = latencyMs;
    this.#release(held);
    return { fragment, done, latencyMs, reconnect: false };
  }

  /**
   * Drops the oldest fragments while more than the bounds is held (call after frames join the
   * newest). The newest, open fragment is never dropped: the maximum fragment duration bounds it.
   */
  enforceBounds(newestTimecodeMs: number): void {
    while (this.#held.length > 1) {
      const oldest = this.#held[0];
      if (newestTimecodeMs - oldest.fragment.timecodeMs > this.#bufferMs) {
        this.#drop(oldest, "buffer-seconds");
      } else if (this.#heldBytes() > this.#maxBytes) {
        this.#drop(oldest, "buffer-bytes");
      } else break;
    }
  }

  /** Releases every holder (the upload is over). */
  close(): void {
    for (const held of [...this.#held]) this.#release(held);
  }

  stats(newestTimecodeMs?: number): UploadWindowStats {
    const oldest = this.#held[0]?.fragment.timecodeMs;
    return {
      ...this.#stats,
      dropped: { ...this.#stats.dropped },
      heldFragments: this.#held.length,
      heldSeconds: oldest === undefined || newestTimecodeMs === undefined
        ? 0
        : Math.max(0, newestTimecodeMs - oldest) / 1000,
      heldBytes: this.#heldBytes(),
      waitingSinceMs: this.#held.find((h) =>
        h.sentAtMs !== undefined && !this.#acknowledged.has(h.fragment)
      )?.sentAtMs,
    };
  }

  #heldBytes(): number {
    return this.#held.reduce((n, h) => n + h.fragment.bytes, 0);
  }

  #find(timecodeMs: number): Held | undefined {
    return this.#held.find((h) => h.fragment.timecodeMs === timecodeMs);
  }

  #drop(held: Held, reason: DropReason, errorId?: number) {
    if (!this.#release(held)) return;
    this.#stats.dropped[reason]++;
    const drop: DroppedFragment = { timecodeMs: held.fragment.timecodeMs, reason };
    if (errorId !== undefined) drop.errorId = errorId;
    this.#options.onDropped?.(drop);
  }

  /** False when it was no longer held. */
  #release(held: Held): boolean {
    const at = this.#held.indexOf(held);
    if (at === -1) return false;
    this.#held.splice(at, 1);
    this.#acknowledged.delete(held.fragment);
    for (const holder of held.holders) holder.release();
    return true;
  }
}
