/**
 * Packets from node-datachannel's track callbacks, handled a budget per turn of the event loop.
 * node-datachannel queues one call per packet with no bound and the runtime runs them back to
 * back: a peer that sends faster than we handle would grow that queue without end and leave
 * timers and signals no turn. Here a callback only puts its packet in a bounded inbox per track
 * (core/media/receive/packet-inbox.ts) or sheds it, which keeps the native queue drained, and
 * `handle` gets at most `packetsPerTurn` packets a turn, tracks in turn.
 */
import { PacketInbox, packetsPerTurn } from "../../core/media/receive/packet-inbox.ts";
import type { TrackKind } from "../../core/media/media-frame.ts";

/** How often at most `onShed` is called while packets are shed. */
const shedReportIntervalMs = 5000;

export class PacketTurns {
  readonly #inboxes: Record<TrackKind, PacketInbox<Uint8Array>>;
  readonly #handle: (track: TrackKind, packet: Uint8Array) => void;
  readonly #onShed: (shed: number) => void;
  #turn?: ReturnType<typeof setTimeout>;
  #reportedAt = -Infinity;
  #stopped = false;

  /**
   * `onShed` hears the packets shed so far, at most every few seconds while it goes on.
   * `inbox` sizes each track's inbox (default: for media; RTCP needs far less).
   */
  constructor(
    handle: (track: TrackKind, packet: Uint8Array) => void,
    onShed: (shed: number) => void,
    inbox: { maxPackets?: number; maxBytes?: number } = {},
  ) {
    this.#handle = handle;
    this.#onShed = onShed;
    this.#inboxes = {
      video: new PacketInbox(inbox.maxPackets, inbox.maxBytes),
      audio: new PacketInbox(inbox.maxPackets, inbox.maxBytes),
    };
  }

  /** Packets shed so far: they came faster than they were handled. */
  get shed(): number {
    return this.#inboxes.video.dropped + this.#inboxes.audio.dropped;
  }

  /** A packet from a track's callback: queued for a later turn, or shed when its inbox is full. */
  arrived(track: TrackKind, packet: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#inboxes[track].push(packet, packet.byteLength)) {
      this.#turn ??= setTimeout(this.#run, 0);
      return;
    }
    const now = performance.now();
    if (now - this.#reportedAt < shedReportIntervalMs) return;
    this.#reportedAt = now;
    this.#onShed(this.shed);
  }

  /** Drops what waits; nothing more is handled. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#turn);
    this.#inboxes.video.clear();
    this.#inboxes.audio.clear();
  }

  readonly #run = () => {
    this.#turn = undefined;
    const { video, audio } = this.#inboxes;
    for (let n = 0; n < packetsPerTurn && (video.length > 0 || audio.length > 0); n++) {
      // Video and audio in turn: a flood on one track does not hold up the other.
      const track = n % 2 === 0
        ? (video.length > 0 ? "video" : "audio")
        : (audio.length > 0 ? "audio" : "video");
      this.#handle(track, this.#inboxes[track].shift()!);
      if (this.#stopped) return;
    }
    if (video.length > 0 || audio.length > 0) this.#turn = setTimeout(this.#run, 0);
  };
}
