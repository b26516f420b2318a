/**
 * The event loop's later turns, faked over a fake clock: a pacer's scheduled turns run, in the
 * order they are due, when a test moves the clock to them.
 */
import type { TurnScheduler } from "../../../core/media/send/pacer.ts";

export class FakeTurns {
  /** Turns run so far. */
  ran = 0;
  #due: { at: number; turn: () => void }[] = [];
  readonly #now: () => number;
  readonly #setNow: (ms: number) => void;

  constructor(now: () => number, setNow: (ms: number) => void) {
    this.#now = now;
    this.#setNow = setNow;
  }

  /** The fake clock, milliseconds. */
  get now(): number {
    return this.#now();
  }

  get waiting(): number {
    return this.#due.length;
  }

  readonly schedule: TurnScheduler = (turn, delayMs) => {
    const entry = { at: this.#now() + delayMs, turn };
    this.#due.push(entry);
    this.#due.sort((a, b) => a.at - b.at);
    return () => (this.#due = this.#due.filter((e) => e !== entry));
  };

  /** Runs the next turn due, moving the clock to it; false when none waits. */
  runNext(): boolean {
    const next = this.#due.shift();
    if (!next) return false;
    if (next.at > this.#now()) this.#setNow(next.at);
    this.ran++;
    next.turn();
    return true;
  }

  /** Runs the turns due up to `ms`, then leaves the clock at `ms`. */
  runUntil(ms: number): void {
    while (this.#due.length > 0 && this.#due[0].at <= ms) this.runNext();
    if (ms > this.#now()) this.#setNow(ms);
  }

  /** Runs turns until none waits (at most `limit`, so a pacer that never ends fails the test). */
  runAll(limit = 100_000): void {
    for (let n = 0; n < limit; n++) if (!this.runNext()) return;
    throw new Error(`turns still waiting after ${limit}`);
  }
}
