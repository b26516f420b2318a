/**
 * How much the test process itself was starved while a timing-sensitive run went on: a timer
 * that should fire every `tickMs` is watched, and each firing later than `stallMs` past its
 * time counts as a stall. An in-process simulation (a bottleneck drained by timers, arrivals
 * stamped by the event loop) is only faithful while these are rare.
 */
const tickMs = 10;
const stallMs = 20;

export interface HostStalls {
  /** Firings later than `stallMs`, and the latest one's lateness. */
  readonly count: number;
  readonly worstMs: number;
  stop(): void;
  summary(): string;
}

export function watchHostStalls(): HostStalls {
  let count = 0;
  let worstMs = 0;
  let expected = performance.now() + tickMs;
  const timer = setInterval(() => {
    const now = performance.now();
    const lateMs = now - expected;
    if (lateMs > stallMs) count++;
    worstMs = Math.max(worstMs, lateMs);
    expected = now + tickMs;
  }, tickMs);
  return {
    get count() {
      return count;
    },
    get worstMs() {
      return worstMs;
    },
    stop: () => clearInterval(timer),
    summary: () =>
      `${count} event-loop stalls over ${stallMs} ms (worst ${Math.round(worstMs)} ms)`,
  };
}
