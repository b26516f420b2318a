/**
 * The pacer of one track's sender: what goes on the wire goes through it, a bounded turn at a
 * time. Without it a keyframe restart (PLI/FIR), a new viewer's GOP start or a burst of NACKs
 * wrote every packet it asked for in one call: a 16 MiB GOP is ~14,000 packets, written while
 * timers and signals waited and the runtime's garbage piled up.
 *
 * It is a token bucket, in the way of libwebrtc's pacer: bytes are earned at `bytesPerSecond`
 * up to `maxBytesPerTurn`, a packet goes out only if its bytes are there, and work left over
 * runs again in a later turn of the event loop, once the bytes for a packet are earned. So a
 * turn writes at most `maxBytesPerTurn`, and live frames of an ordinary stream (a few KB each,
 * tens of milliseconds apart) go out at once, as before. The rate is a setting, not an
 * estimate: the congestion controller (issue 18) will set it from its bandwidth estimate.
 *
 * The work is a list, in priority order (NACK resends before new packets); each item sends
 * while `take` allows and says whether it has more. Nothing here is allocated per packet.
 */
import type { SenderClock } from "./stage.ts";

/**
 * Bytes one turn writes at most: ~55 packets, a fraction of a millisecond of native sends, so a
 * turn never holds the event loop long and a burst reaches the network in small trains.
 */
export const defaultMaxBytesPerTurn = 64 * 1024;

/**
 * The pacing rate until a bandwidth estimate sets one: 100 Mbit/s, far above a camera's
 * bitrate (a 2 s GOP at 4 Mbit/s catches up in 80 ms), and a 16 MiB ring's restart in ~1.3 s.
 */
export const defaultPacingBytesPerSecond = 12_500_000;

/** Schedules `turn` after `delayMs` (a later turn of the event loop); returns its cancel. */
export type TurnScheduler = (turn: () => void, delayMs: number) => () => void;

export const timerTurns: TurnScheduler = (turn, delayMs) => {
  const timer = setTimeout(turn, delayMs);
  return () => clearTimeout(timer);
};

/** Something a sender has to put on the wire. */
export interface PacedWork {
  /** Sends while `pacer.take` allows; true when some is left for a later turn. */
  drain(): boolean;
}

export interface SendPacerOptions {
  clock: SenderClock;
  turns?: TurnScheduler;
  bytesPerSecond?: number;
  /** At least one packet (2048 bytes): a turn must be able to send something. */
  maxBytesPerTurn?: number;
}

const largestPacket = 2048;

export class SendPacer {
  readonly maxBytesPerTurn: number;
  readonly #clock: SenderClock;
  readonly #turns: TurnScheduler;
  readonly #work: PacedWork[] = [];
  #bytesPerSecond = 0;
  #tokens: number;
  #earnedAt: number;
  #cancelTurn?: () => void;
  #running = false;
  #stopped = false;

  constructor(o: SendPacerOptions) {
    this.maxBytesPerTurn = o.maxBytesPerTurn ?? defaultMaxBytesPerTurn;
    if (!(this.maxBytesPerTurn >= largestPacket)) {
      throw new RangeError(`a pacer turn of ${this.maxBytesPerTurn} bytes holds no packet`);
    }
    this.#clock = o.clock;
    this.#turns = o.turns ?? timerTurns;
    this.bytesPerSecond = o.bytesPerSecond ?? defaultPacingBytesPerSecond;
    this.#tokens = this.maxBytesPerTurn;
    this.#earnedAt = o.clock.now();
  }

  get bytesPerSecond(): number {
    return this.#bytesPerSecond;
  }

  /** The pacing rate; it may change at any time (a bandwidth estimate). */
  set bytesPerSecond(rate: number) {
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new RangeError(`a pacing rate must be a positive number of bytes/s, not ${rate}`);
    }
    this.#bytesPerSecond = rate;
  }

  /** Whether work waits for a later turn. */
  get waiting(): boolean {
    return this.#cancelTurn !== undefined;
  }

  /** Adds work, after the work added before it (lower priority). */
  add(work: PacedWork): void {
    this.#work.push(work);
  }

  /** Spends `bytes` if they are earned: true when a packet of that size may go out now. */
  take(bytes: number): boolean {
    if (this.#tokens < bytes) return false;
    this.#tokens -= bytes;
    return true;
  }

  /** Sends what the work has, as far as the bytes earned allow; the rest goes in later turns. */
  run(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#earn();
    let left = false;
    // Indexed, not for-of: no iterator per call.
    const work = this.#work;
    for (let i = 0; i < work.length; i++) if (work[i].drain()) left = true;
    this.#running = false;
    if (left && !this.#cancelTurn && !this.#stopped) {
      const delayMs = Math.ceil((largestPacket - this.#tokens) * 1000 / this.#bytesPerSecond);
      this.#cancelTurn = this.#turns(this.#turn, Math.max(0, delayMs));
    }
  }

  /** Nothing more goes out; a turn waiting is cancelled. */
  stop(): void {
    this.#stopped = true;
    this.#cancelTurn?.();
    this.#cancelTurn = undefined;
  }

  readonly #turn = () => {
    this.#cancelTurn = undefined;
    this.run();
  };

  #earn() {
    const now = this.#clock.now();
    const earned = (now - this.#earnedAt) * this.#bytesPerSecond / 1000;
    this.#earnedAt = now;
    this.#tokens = Math.min(this.maxBytesPerTurn, this.#tokens + earned);
  }
}
