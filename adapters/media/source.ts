/**
 * A media source feeds access units (and Opus packets) to a sink, paced in real time, until it
 * ends or fails; `ended` says which, in words a user can act on. A source never throws into
 * the master: it reports and stops.
 */

export interface MediaSink {
  video(accessUnit: Uint8Array, timeUs: number): void;
  audio(packet: Uint8Array, timeUs: number): void;
}

export interface MediaSource {
  /** "frame files in ./frames (30 fps)", "ffmpeg -i cam.mp4 ...". */
  readonly description: string;
  start(sink: MediaSink): void;
  stop(): void;
  /** Resolves with how it ended: "ended after 300 frames", "ffmpeg exited with code 1: ...". */
  readonly ended: Promise<string>;
}

/**
 * Calls `step(n)` for n = 0, 1, 2, ... at start + n * intervalMs (no drift), until step returns
 * false or stop() is called.
 */
export function pace(intervalMs: number, step: (n: number) => boolean): { stop(): void } {
  const started = performance.now();
  let n = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    // Catch up on steps that are due (a busy event loop) before waiting again.
    while (!stopped && performance.now() >= started + n * intervalMs) {
      if (!step(n++)) {
        stopped = true;
        return;
      }
    }
    timer = setTimeout(run, Math.max(0, started + n * intervalMs - performance.now()));
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
