/**
 * The runtime-free heart of a PutMedia upload, for one adapter to drive: frames in (from the
 * frame rings), MKV pieces out (to write into the streaming request body, in order), response
 * bytes in (acknowledgements), and which fragments a new connection sends again.
 *
 * Per connection: connect() gives an UploadConnection whose `start` pieces (the header and the
 * replay of every fragment still held) go first, then each push() gives the live pieces; the
 * connection's receive() parses its response and says when an ERROR ends it; close() after
 * any end. A connection replaced or closed hears nothing more, so a late read of an old
 * response cannot touch the new one. Frames keep flowing into fragments (and the window)
 * while no connection is up, so a reconnect loses nothing the bounds kept.
 */
import type { FrameRing, RingFrame } from "../media/frame-ring.ts";
import type { MkvTrack } from "../fragments/fragment.ts";
import { AckParser, type AckParserEvent, type FragmentAck } from "./ack-parser.ts";
import { Fragmenter, type OutgoingFragment, type SkippedFrames } from "./fragmenter.ts";
import {
  blockPieces,
  fragmentEnd,
  fragmentStart,
  silenceBlockPieces,
  uploadHeader,
  uploadTracks,
} from "./fragment-pieces.ts";
import { type DroppedFragment, UploadWindow, type UploadWindowStats } from "./upload-window.ts";

export interface ProducerUploadOptions {
  video: FrameRing;
  /** The Opus ring, when the upload carries audio. */
  audio?: FrameRing;
  audioChannels?: 1 | 2;
  /** Wall time of media time 0, ms since the Unix epoch (ABSOLUTE timecodes). */
  startWallMs: number;
  /** The stream keeps data (retention > 0): fragments are held until PERSISTED. */
  keepsData: boolean;
  now: () => number;
  maxFragmentMs?: number;
  minFragmentMs?: number;
  bufferSeconds?: number;
  maxBytes?: number;
  onDropped?: (drop: DroppedFragment) => void;
}

/** What the response bytes said. */
export type UploadEvent =
  | { kind: "ack"; ack: FragmentAck; done: boolean; latencyMs?: number }
  /** `streamFault`: an ERROR about the stream itself; the upload cannot go on (upload-window.ts). */
  | { kind: "error"; ack: FragmentAck; streamFault?: string }
  | { kind: "bad-line"; line: string; reason: string };

/** One PutMedia request of the upload. */
export interface UploadConnection {
  /** The pieces its body starts with: the header and the fragments held, replayed. */
  readonly start: Uint8Array[];
  /** Its response bytes. An "error" event means: end it and connect anew. */
  receive(chunk: Uint8Array): UploadEvent[];
  /** Its response ended: the last line, if it had no newline. */
  responseEnded(): UploadEvent[];
  /** It ended (closed, cut, or ended after an ERROR): what it carried unacknowledged is held. */
  close(): void;
}

export interface ProducerUploadStats extends UploadWindowStats {
  skippedFrames: SkippedFrames;
  /** Bytes given out as pieces, every connection's. */
  bytesWritten: number;
}

export class ProducerUpload {
  readonly #fragmenter: Fragmenter;
  readonly #window: UploadWindow;
  readonly #audioChannels?: 1 | 2;
  #tracks?: MkvTrack[];
  #connection?: UploadConnection;
  /** On the current connection: the header is out. */
  #headerSent = false;
  /** On the current connection: the fragment whose Cluster is open there. */
  #writing?: OutgoingFragment;
  #newestTimecodeMs?: number;
  #bytesWritten = 0;

  constructor(options: ProducerUploadOptions) {
    this.#fragmenter = new Fragmenter(options);
    this.#window = new UploadWindow(options);
    this.#audioChannels = options.audio ? options.audioChannels ?? 2 : undefined;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** The fragments held (sent or not, not yet acknowledged), oldest first. */
  get heldFragments(): OutgoingFragment[] {
    return this.#window.fragments;
  }

  /**
   * A new connection (ending the current one, if any). Its start replays every fragment held,
   * minus those the service already has (`storedTimecodesMs`: its producer timestamps, from
   * ListFragments where the stream keeps data); empty before the first keyframe.
   */
  connect(storedTimecodesMs: Iterable<number> = []): UploadConnection {
    this.#connection?.close();
    this.#headerSent = false;
    const start: Uint8Array[] = [];
    for (const fragment of this.#window.resend(storedTimecodesMs)) {
      start.push(...this.#startFragment(fragment));
      for (const frame of fragment.frames) start.push(...this.#block(fragment, frame));
      if (fragment.complete) start.push(...this.#endFragment());
    }
    const parser = new AckParser();
    const current = () => this.#connection === connection;
    const connection: UploadConnection = {
      start: this.#count(start),
      receive: (chunk) => current() ? this.#events(parser.push(chunk)) : [],
      responseEnded: () => current() ? this.#events(parser.end()) : [],
      close: () => {
        if (!current()) return;
        this.#connection = undefined;
        this.#writing = undefined;
        this.#window.connectionLost();
      },
    };
    this.#connection = connection;
    return connection;
  }

  /** A new frame in a ring: the pieces to write now (none while disconnected). */
  push(frame: RingFrame): Uint8Array[] {
    const step = this.#fragmenter.push(frame);
    const pieces: Uint8Array[] = [];
    if (step.ended && step.ended === this.#writing) pieces.push(...this.#endFragment());
    if (step.started) {
      this.#tracks ??= uploadTracks(frame, this.#audioChannels);
      this.#window.add(step.started);
      if (this.connected) pieces.push(...this.#startFragment(step.started));
    }
    if (step.into) {
      this.#newestTimecodeMs = this.#fragmenter.timecodeMs(frame);
      if (step.into === this.#writing) pieces.push(...this.#block(step.into, frame));
      this.#window.enforceBounds(this.#newestTimecodeMs);
    }
    return this.#count(pieces);
  }

  /**
   * Ends the open fragment (the upload is stopping): the pieces that close it on the wire.
   * Its acknowledgement then comes as any other.
   */
  finish(): Uint8Array[] {
    const ended = this.#fragmenter.finish();
    return this.#count(ended && ended === this.#writing ? this.#endFragment() : []);
  }

  /** Releases every frame held in the rings. */
  close(): void {
    this.#connection?.close();
    this.#window.close();
  }

  stats(): ProducerUploadStats {
    return {
      ...this.#window.stats(this.#newestTimecodeMs),
      skippedFrames: { ...this.#fragmenter.skipped },
      bytesWritten: this.#bytesWritten,
    };
  }

  #events(parsed: AckParserEvent[]): UploadEvent[] {
    return parsed.map((event): UploadEvent => {
      if (event.kind === "bad-line") return event;
      const outcome = this.#window.acknowledge(event.ack);
      if (outcome.reconnect) {
        const { streamFault } = outcome;
        return { kind: "error", ack: event.ack, ...(streamFault ? { streamFault } : {}) };
      }
      return { kind: "ack", ack: event.ack, done: outcome.done, latencyMs: outcome.latencyMs };
    });
  }

  #startFragment(fragment: OutgoingFragment): Uint8Array[] {
    const pieces = this.#headerSent ? [] : uploadHeader(this.#tracks!);
    this.#headerSent = true;
    this.#writing = fragment;
    this.#window.sent(fragment);
    pieces.push(...fragmentStart(fragment));
    return pieces;
  }

  #block(fragment: OutgoingFragment, frame: RingFrame): Uint8Array[] {
    return blockPieces(fragment, frame, this.#fragmenter.timecodeMs(frame));
  }

  /**
   * The end of the fragment on the wire. A fragment without a frame of a declared track is
   * refused for good (4011, FRAMES_MISSING_FOR_TRACK): when the audio stopped while video goes
   * on, one silent Opus packet at its last frame's time keeps the Opus track in it.
   */
  #endFragment(): Uint8Array[] {
    const fragment = this.#writing!;
    this.#writing = undefined;
    const pieces: Uint8Array[] = [];
    if (this.#audioChannels && !fragment.frames.some((f) => f.kind === "audio")) {
      const lastMs = this.#fragmenter.timecodeMs(fragment.frames.at(-1)!);
      pieces.push(...silenceBlockPieces(lastMs - fragment.timecodeMs));
    }
    pieces.push(...fragmentEnd());
    this.#window.ended(fragment);
    return pieces;
  }

  #count(pieces: Uint8Array[]): Uint8Array[] {
    for (const piece of pieces) this.#bytesWritten += piece.length;
    return pieces;
  }
}
