/**
 * The phases of a PutMedia upload (`kvsrtc producer --metrics`, and `master --stream`), each
 * with a start and an end mark: the calls before the upload, the request's 200, then the first
 * fragment's way to the service and its first acknowledgement of each kind. Only the first
 * start and end of a phase count, so a reconnect does not move them.
 */
import type { Clock } from "./connection-timer.ts";

export const uploadPhases = [
  "getCredentials",
  "describeStream",
  "getDataEndpoint",
  "putMediaConnected",
  "firstFragmentSent",
  "firstBuffering",
  "firstReceived",
  "firstPersisted",
] as const;

export type UploadPhase = typeof uploadPhases[number];

export interface UploadPhaseTiming {
  phase: UploadPhase;
  /** Milliseconds since the timer was created. */
  start?: number;
  end?: number;
  note?: string;
}

export class UploadTimer {
  readonly #clock: Clock;
  readonly #origin: number;
  readonly #marks = new Map<UploadPhase, UploadPhaseTiming>(
    uploadPhases.map((phase) => [phase, { phase }]),
  );

  constructor(clock: Clock = () => performance.now()) {
    this.#clock = clock;
    this.#origin = clock();
  }

  start(phase: UploadPhase): void {
    this.#marks.get(phase)!.start ??= this.#clock() - this.#origin;
  }

  /** Ends a phase (started now if it was not). */
  end(phase: UploadPhase): void {
    const mark = this.#marks.get(phase)!;
    if (mark.end !== undefined) return;
    mark.end = this.#clock() - this.#origin;
    mark.start ??= mark.end;
  }

  /** Why a phase will have no marks ("the stream keeps no data"). */
  skip(phase: UploadPhase, note: string): void {
    this.#marks.get(phase)!.note ??= note;
  }

  /** Every phase has ended or been skipped. */
  get complete(): boolean {
    return [...this.#marks.values()].every((m) => m.end !== undefined || m.note !== undefined);
  }

  /** Every phase, in order. */
  timings(): UploadPhaseTiming[] {
    return uploadPhases.map((phase) => ({ ...this.#marks.get(phase)! }));
  }
}
