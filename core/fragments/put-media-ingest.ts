/**
 * One PutMedia upload, from body bytes to acknowledgements: the MKV reader's events become
 * fragments (one per Cluster), each checked against the rules AWS enforces, stored, and
 * acknowledged BUFFERING (its Timecode has arrived), RECEIVED (it is whole) and PERSISTED
 * (the store has it). A fragment is whole at its END_OF_FRAGMENT tag, at the next Cluster or
 * EBML header, or at the end of the body. The first broken rule is acknowledged ERROR and ends
 * the upload: nothing more is read.
 *
 * Runtime-free: the route hands it chunks, its clock and the stream's condition.
 */
import type { Fragment, FragmentFrame, FragmentTag, MkvTrack, StoredFragment } from "./fragment.ts";
import { type AckError, ackErrors, type FragmentAck } from "./put-media-ack.ts";
import { MkvError } from "../mkv/ebml-read.ts";
import { defaultReaderLimits, type MkvEvent, MkvReader } from "../mkv/mkv-reader.ts";
import { endOfFragmentTag } from "../mkv/mkv-writer.ts";

export interface IngestLimits {
  /** AWS: a fragment is at most 50 MB. */
  maxFragmentBytes: number;
  /** AWS: a fragment is at most 10 s long. */
  maxFragmentDurationMs: number;
  /** AWS: at most 3 tracks. */
  maxTracks: number;
  /** The largest EBML header, Info, Tracks or Tags element held. */
  maxMetadataBytes: number;
  /**
   * How long without data before an IDLE ack. AWS does not document the period; a guess,
   * well under producer-c's 5 s staleness check and curl's 30 s low-speed abort.
   */
  idleAckPeriodMs: number;
  /** AWS closes a PutMedia after ~30 s without data (documented). */
  noDataTimeoutMs: number;
  // No bound on a connection's whole duration (AWS's 4003): AWS does not document its value.
}

export const awsIngestLimits: IngestLimits = {
  maxFragmentBytes: defaultReaderLimits.maxBlockBytes,
  maxFragmentDurationMs: 10_000,
  maxTracks: 3,
  maxMetadataBytes: defaultReaderLimits.maxMetadataBytes,
  idleAckPeriodMs: 3_000,
  noDataTimeoutMs: 30_000,
};

/** The store as an upload uses it; `append` may resolve only once the fragment is durable. */
export interface IngestStore {
  reserveNumber(serverTimestampMs: number): string;
  append(
    streamArn: string,
    fragment: Fragment,
    serverTimestampMs: number,
    number: string,
  ): StoredFragment | Promise<StoredFragment>;
  fragments(streamArn: string): readonly StoredFragment[];
}

/** What the registry says of the stream now: looked up as each fragment begins. */
export type StreamCondition = "ACTIVE" | "NOT_ACTIVE" | "DELETED";

export interface PutMediaIngestOptions {
  streamArn: string;
  /** 0: nothing is stored and no PERSISTED is sent (AWS: PERSISTED only with retention). */
  dataRetentionInHours: number;
  store: IngestStore;
  timecodeType: "ABSOLUTE" | "RELATIVE";
  /** ms since the epoch; what RELATIVE Cluster Timecodes count from. */
  producerStartMs?: number;
  /** x-amzn-fragment-acknowledgment-required: 0 sends only ERROR and IDLE acks (a guess). */
  acknowledgments?: boolean;
  streamCondition(): StreamCondition;
  now(): number;
  send(ack: FragmentAck): void;
  limits?: Partial<IngestLimits>;
}

interface OpenFragment {
  clusterTimecode: number;
  producerTimestampMs: number;
  number: string;
  serverTimestampMs: number;
  start: number;
  end?: number;
  /** Already stored by an earlier connection: acknowledged again, not stored twice. */
  replayOf?: StoredFragment;
  frames: FragmentFrame[];
  tags: FragmentTag[];
}

/** A broken rule: acknowledged ERROR, ending the upload. */
class RuleBroken extends Error {
  constructor(readonly rule: AckError, message: string) {
    super(message);
  }
}

export class PutMediaIngest {
  readonly #options: PutMediaIngestOptions;
  readonly #limits: IngestLimits;
  readonly #reader: MkvReader;
  #tracks: MkvTrack[] | undefined;
  #fragment: OpenFragment | undefined;
  #lastProducerTimestampMs: number | undefined;
  #lastDataMs: number;
  #lastIdleMs: number;
  #ended = false;
  /** The broken rule's message, once an ERROR was sent. */
  failure: string | undefined;

  constructor(options: PutMediaIngestOptions) {
    this.#options = options;
    this.#limits = { ...awsIngestLimits, ...options.limits };
    this.#reader = new MkvReader({
      maxBlockBytes: this.#limits.maxFragmentBytes,
      maxMetadataBytes: this.#limits.maxMetadataBytes,
    });
    this.#lastDataMs = this.#lastIdleMs = options.now();
  }

  /** True once the upload is over: ERROR sent, body ended, or timed out. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Reads a chunk of the body; resolves once its fragments are acknowledged. */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.#ended) return;
    this.#lastDataMs = this.#options.now();
    await this.#guarded(() => this.#reader.push(chunk));
  }

  /** The body ended: the open fragment is whole. */
  async end(): Promise<void> {
    if (this.#ended) return;
    await this.#guarded(() => this.#reader.end());
    if (this.#ended) return;
    await this.#guarded(() => [], () => this.#complete());
    this.#ended = true;
  }

  /**
   * Called on a timer: an IDLE ack after `idleAckPeriodMs` without data, and "timeout" once
   * `noDataTimeoutMs` passed without any (the upload is then over and its buffers let go).
   */
  tick(): "timeout" | undefined {
    if (this.#ended) return undefined;
    const now = this.#options.now();
    if (now - this.#lastDataMs >= this.#limits.noDataTimeoutMs) {
      this.#abandon();
      return "timeout";
    }
    const since = Math.max(this.#lastDataMs, this.#lastIdleMs);
    if (now - since >= this.#limits.idleAckPeriodMs) {
      this.#lastIdleMs = now;
      this.#options.send({ EventType: "IDLE" });
    }
    return undefined;
  }

  /** The connection broke: the open fragment is dropped (its producer will replay it). */
  abort(): void {
    this.#abandon();
  }

  #abandon(): void {
    this.#ended = true;
    this.#fragment = undefined;
    this.#tracks = undefined;
  }

  async #guarded(read: () => MkvEvent[], after?: () => Promise<void>): Promise<void> {
    try {
      for (const event of read()) {
        await this.#event(event);
        if (this.#ended) return;
      }
      await after?.();
    } catch (error) {
      if (error instanceof RuleBroken) return this.#fail(error.rule, error.message);
      if (error instanceof MkvError) {
        return this.#fail(
          error.tooLarge ? ackErrors.maxFragmentSize : ackErrors.invalidMkv,
          error.message,
        );
      }
      // The store failed (a full disk, say): the one error that is not the producer's.
      this.#fail(ackErrors.internalError, `the fragment could not be stored: ${error}`);
    }
  }

  #fail(rule: AckError, message: string): void {
    const fragment = this.#fragment;
    this.#options.send({
      EventType: "ERROR",
      ...(fragment
        ? { FragmentTimecode: fragment.clusterTimecode, FragmentNumber: fragment.number }
        : {}),
      ErrorId: rule.id,
      ErrorCode: rule.code,
    });
    this.failure = message;
    this.#abandon();
  }

  async #event(event: MkvEvent): Promise<void> {
    switch (event.type) {
      case "header":
        await this.#complete();
        this.#tracks = undefined;
        return;
      case "tracks":
        if (event.tracks.length > this.#limits.maxTracks) {
          throw new RuleBroken(
            ackErrors.moreThanAllowedTracks,
            `${event.tracks.length} tracks; at most ${this.#limits.maxTracks} are allowed`,
          );
        }
        this.#tracks = event.tracks;
        return;
      case "cluster":
        await this.#complete();
        return this.#begin(event.timecode, event.timecodeMs, event.position);
      case "block":
        return this.#block(event);
      case "clusterEnd":
        this.#fragment!.end = event.position;
        return;
      case "tags":
        return this.#tags(event.tags);
    }
  }

  #producerMs(timecodeMs: number): number {
    const { timecodeType, producerStartMs = 0 } = this.#options;
    return timecodeType === "RELATIVE" ? producerStartMs + timecodeMs : timecodeMs;
  }

  #begin(clusterTimecode: number, timecodeMs: number, position: number): void {
    if (!this.#tracks) throw new RuleBroken(ackErrors.invalidMkv, "a Cluster before any Tracks");
    const condition = this.#options.streamCondition();
    if (condition === "DELETED") {
      throw new RuleBroken(ackErrors.streamDeleted, "the stream was deleted");
    }
    if (condition === "NOT_ACTIVE") {
      throw new RuleBroken(ackErrors.streamNotActive, "the stream is not active");
    }
    const producerTimestampMs = this.#producerMs(timecodeMs);
    const serverTimestampMs = this.#options.now();
    const replayOf = this.#stored(producerTimestampMs);
    this.#fragment = {
      clusterTimecode,
      producerTimestampMs,
      serverTimestampMs,
      number: replayOf?.fragmentNumber ?? this.#options.store.reserveNumber(serverTimestampMs),
      start: position,
      replayOf,
      frames: [],
      tags: [],
    };
    const last = this.#lastProducerTimestampMs;
    if (last !== undefined && producerTimestampMs < last) {
      throw new RuleBroken(
        ackErrors.timecodeLesserThanPrevious,
        `fragment timecode ${producerTimestampMs} is less than the previous ${last}`,
      );
    }
    this.#ack("BUFFERING");
  }

  /**
   * The fragment already stored at this producer timestamp, if any: a producer replays what was
   * not PERSISTED after a reconnect. AWS stores a replay as another fragment and dedupes
   * fragments of equal producer timestamps when they are read (documented for GetClip, HLS and
   * DASH); storing it once, as the first copy, is what every read here then sees.
   */
  #stored(producerTimestampMs: number): StoredFragment | undefined {
    const fragments = this.#options.store.fragments(this.#options.streamArn);
    for (let i = fragments.length - 1; i >= 0; i--) {
      const stored = fragments[i].producerTimestampMs;
      if (stored === producerTimestampMs) return fragments[i];
      if (stored < producerTimestampMs) return undefined;
    }
    return undefined;
  }

  #block(block: Extract<MkvEvent, { type: "block" }>): void {
    const fragment = this.#fragment!;
    if (!this.#tracks!.some((t) => t.number === block.track)) {
      throw new RuleBroken(
        ackErrors.trackNumberMismatch,
        `a SimpleBlock of track ${block.track}, which the Tracks do not declare`,
      );
    }
    if (block.end - fragment.start > this.#limits.maxFragmentBytes) {
      throw new RuleBroken(
        ackErrors.maxFragmentSize,
        `the fragment is over ${this.#limits.maxFragmentBytes} bytes`,
      );
    }
    const timecodeMs = this.#producerMs(block.timecodeMs);
    if (timecodeMs - fragment.producerTimestampMs > this.#limits.maxFragmentDurationMs) {
      throw new RuleBroken(
        ackErrors.maxFragmentDuration,
        `the fragment is over ${this.#limits.maxFragmentDurationMs} ms long`,
      );
    }
    if (fragment.replayOf) return;
    fragment.frames.push({
      track: block.track,
      timecodeMs,
      keyframe: block.keyframe,
      // A copy: a view would pin the whole body chunk it came in for as long as it is stored.
      data: block.data.slice(),
    });
  }

  async #tags(tags: FragmentTag[]): Promise<void> {
    const fragment = this.#fragment;
    if (!fragment) return; // Tags before any Cluster describe no fragment.
    fragment.tags.push(...tags.filter((t) => t.name !== endOfFragmentTag));
    if (tags.some((t) => t.name === endOfFragmentTag)) await this.#complete();
  }

  async #complete(): Promise<void> {
    const fragment = this.#fragment;
    if (!fragment) return;
    const end = fragment.end ?? this.#reader.position;
    if (!fragment.replayOf) {
      const missing = this.#tracks!.find((t) => !fragment.frames.some((f) => f.track === t.number));
      if (missing) {
        throw new RuleBroken(
          ackErrors.framesMissingForTrack,
          `the fragment has no frames of declared track ${missing.number}`,
        );
      }
    }
    this.#fragment = undefined;
    this.#lastProducerTimestampMs = fragment.producerTimestampMs;
    this.#ack("RECEIVED", fragment);
    if (!fragment.replayOf) {
      // With retention 0 the store keeps nothing but shows the fragment to live readers
      // (GetMedia NOW reads a 0-retention stream's live edge on AWS too).
      await this.#options.store.append(
        this.#options.streamArn,
        {
          producerTimestampMs: fragment.producerTimestampMs,
          durationMs: durationMs(fragment.frames, fragment.producerTimestampMs),
          tracks: this.#tracks!,
          frames: fragment.frames,
          tags: fragment.tags,
          sizeBytes: end - fragment.start,
        },
        fragment.serverTimestampMs,
        fragment.number,
      );
    }
    if (this.#ended) return; // the connection broke while the store wrote
    // Retention 0: AWS keeps nothing and sends no PERSISTED.
    if (this.#options.dataRetentionInHours === 0) return;
    this.#ack("PERSISTED", fragment);
  }

  #ack(type: "BUFFERING" | "RECEIVED" | "PERSISTED", fragment = this.#fragment!): void {
    if (this.#options.acknowledgments === false) return;
    this.#options.send({
      EventType: type,
      FragmentTimecode: fragment.clusterTimecode,
      FragmentNumber: fragment.number,
    });
  }
}

/**
 * From the fragment's start to the end of its last frame, each track's last frame lasting as
 * long as the gap before it.
 */
export function durationMs(frames: readonly FragmentFrame[], startMs: number): number {
  const lastTwo = new Map<number, [number, number]>();
  for (const frame of frames) {
    const seen = lastTwo.get(frame.track);
    lastTwo.set(frame.track, [seen ? seen[1] : frame.timecodeMs, frame.timecodeMs]);
  }
  let end = startMs;
  for (const [before, last] of lastTwo.values()) end = Math.max(end, last + (last - before));
  return end - startMs;
}
