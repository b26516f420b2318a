/**
 * TEST ONLY: a network bottleneck in the process, since `tc netem` is not available here. One
 * bottleneck stands for one peer connection's path: every send function wrapped by it (its
 * video and audio tracks, RTP and RTCP) feeds one drop-tail queue that drains at
 * `capacityBps` (changeable at any time), and what leaves it reaches the real send
 * `delayMs` later. A packet that would wait in the queue longer than `queueLimitMs` is
 * dropped, reported as sent, as a router's full queue drops it. Each packet queued is a copy
 * (the sender's bytes are only valid during its call): this is not for production paths.
 */
import type { TurnScheduler } from "../media/send/pacer.ts";

export interface BottleneckOptions {
  capacityBps: number;
  delayMs: number;
  queueLimitMs: number;
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs the delivery after a delay (timers in the process, a fake in unit tests). */
  schedule: TurnScheduler;
}

interface Queued {
  packet: Uint8Array;
  send: (packet: Uint8Array) => boolean;
  dueAtMs: number;
}

export class BottleneckSend {
  capacityBps: number;
  /** Packets dropped at the full queue, and packets passed, so far. */
  dropped = 0;
  passed = 0;
  readonly #o: BottleneckOptions;
  /** In departure order, so in due order (the delay is the same for all). */
  readonly #queue: Queued[] = [];
  #drainedAtMs = 0; // when the queue will have sent everything it holds
  #cancel?: () => void;
  #stopped = false;

  constructor(options: BottleneckOptions) {
    this.#o = options;
    this.capacityBps = options.capacityBps;
  }

  /** A send function whose packets go through this bottleneck to `send`. */
  wrap(send: (packet: Uint8Array) => boolean): (packet: Uint8Array) => boolean {
    return (packet) => {
      if (this.#stopped) return send(packet);
      const now = this.#o.now();
      const startMs = Math.max(now, this.#drainedAtMs);
      if (startMs - now > this.#o.queueLimitMs) {
        this.dropped++;
        return true;
      }
      this.#drainedAtMs = startMs + (packet.length * 8 * 1000) / this.capacityBps;
      this.#queue.push({
        packet: packet.slice(),
        send,
        dueAtMs: this.#drainedAtMs + this.#o.delayMs,
      });
      this.#arm(now);
      return true;
    };
  }

  /** What is queued goes at once; what comes later passes straight through. */
  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
    this.#cancel = undefined;
    for (const q of this.#queue.splice(0)) q.send(q.packet);
  }

  #arm(now: number) {
    if (this.#cancel || this.#queue.length === 0) return;
    this.#cancel = this.#o.schedule(this.#deliver, Math.max(0, this.#queue[0].dueAtMs - now));
  }

  readonly #deliver = () => {
    this.#cancel = undefined;
    const now = this.#o.now();
    const queue = this.#queue;
    let due = 0;
    while (due < queue.length && queue[due].dueAtMs <= now) {
      const q = queue[due++];
      this.passed++;
      q.send(q.packet);
    }
    queue.splice(0, due);
    this.#arm(now);
  };
}
