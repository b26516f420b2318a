/**
 * The keyframe step of a viewer's receive chain: asks for a keyframe (PLI) while the picture
 * cannot be decoded, at most once every `minIntervalMs`, since the sender answers each with a
 * keyframe and a burst of the frames after it.
 */

/** 300 ms: a keyframe and its burst arrive well within it on a working path. */
export const defaultKeyframeRequestIntervalMs = 300;

export class KeyframeRequester {
  /** Requests made, asked for or not. */
  requests = 0;
  readonly #minIntervalMs: number;
  #lastAt = -Infinity;

  constructor(minIntervalMs = defaultKeyframeRequestIntervalMs) {
    this.#minIntervalMs = minIntervalMs;
  }

  /** True when a request should go out now, because one is needed and the last is old enough. */
  due(needed: boolean, now: number): boolean {
    return needed && now - this.#lastAt >= this.#minIntervalMs;
  }

  /** A request went out at `now` (on the timer or asked for by the user). */
  requested(now: number): void {
    this.#lastAt = now;
    this.requests++;
  }
}
