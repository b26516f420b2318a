/**
 * One timer per connection: each phase of setting up a KVS WebRTC connection gets a start and
 * an end mark, set where the work happens. `kvsrtc metrics`, `--metrics` and the benchmarks all
 * read these marks. Only the first start and the first end of a phase count (as in the
 * reference implementations), so a retry or a refresh does not move them.
 */

/** The phases, in the order the protocol imposes. */
export const phases = [
  "getCredentials",
  "describeChannel",
  "getSignalingEndpoints",
  "getIceServerConfig",
  "connectWebSocket",
  "joinStorageSession",
  "storageOffer",
  "gatherHostCandidates",
  "gatherSrflxCandidates",
  "gatherRelayCandidates",
  "findPeerToPeerConnection",
  "dtlsHandshake",
  "firstFrame",
] as const;

export type Phase = typeof phases[number];

export interface PhaseTiming {
  phase: Phase;
  /** Milliseconds since the timer was created. */
  start?: number;
  end?: number;
  /** Why a phase has no value, e.g. "no TURN server". */
  note?: string;
}

export type Clock = () => number;

export class ConnectionTimer {
  readonly #clock: Clock;
  readonly #origin: number;
  readonly #timings = new Map<Phase, PhaseTiming>();
  #onComplete: (() => void)[] = [];

  constructor(clock: Clock = () => performance.now(), origin = clock()) {
    this.#clock = clock;
    this.#origin = origin;
  }

  /** Milliseconds since the timer was created. */
  now(): number {
    return this.#clock() - this.#origin;
  }

  /**
   * A timer for one of several connections that share the phases marked so far: a master
   * signals once, then each viewer's connection gets its own ICE, DTLS and first-frame marks.
   */
  fork(): ConnectionTimer {
    const child = new ConnectionTimer(this.#clock, this.#origin);
    for (const [phase, t] of this.#timings) child.#timings.set(phase, { ...t });
    return child;
  }

  start(phase: Phase): void {
    const t = this.#get(phase);
    t.start ??= this.now();
  }

  /**
   * Ends a phase, now or at an earlier `now()` reading (when the end is only known to have been
   * the last of several events once they are over). A phase ended without a start is taken to
   * have started at the same time.
   */
  end(phase: Phase, at: number = this.now()): void {
    const t = this.#get(phase);
    if (t.end !== undefined) return;
    t.end = t.start !== undefined ? Math.max(at, t.start) : at;
    t.start ??= t.end;
    this.#settle();
  }

  /** Records why a phase has no value (it is then reported as n/a with this reason). */
  skip(phase: Phase, note: string): void {
    this.#get(phase).note ??= note;
    this.#settle();
  }

  /** Every phase has ended or been skipped: nothing more will be marked. */
  isComplete(): boolean {
    return phases.every((phase) => {
      const t = this.#timings.get(phase);
      return t?.end !== undefined || t?.note !== undefined;
    });
  }

  duration(phase: Phase): number | undefined {
    const t = this.#timings.get(phase);
    return t?.start !== undefined && t.end !== undefined ? t.end - t.start : undefined;
  }

  /** Resolves once every phase has ended or been skipped. */
  completed(): Promise<void> {
    if (this.isComplete()) return Promise.resolve();
    return new Promise((resolve) => this.#onComplete.push(resolve));
  }

  #settle() {
    if (this.#onComplete.length === 0 || !this.isComplete()) return;
    const waiting = this.#onComplete;
    this.#onComplete = [];
    for (const resolve of waiting) resolve();
  }

  /** Every phase in protocol order; phases never marked are included with neither mark. */
  timings(): PhaseTiming[] {
    return phases.map((phase) => ({ ...(this.#timings.get(phase) ?? { phase }) }));
  }

  #get(phase: Phase): PhaseTiming {
    let t = this.#timings.get(phase);
    if (!t) this.#timings.set(phase, t = { phase });
    return t;
  }
}
