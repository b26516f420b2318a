/**
 * Whether a peer floods us with RTCP. A real receiver sends tens of RTCP packets a second: a
 * receiver report per track each second, transport-cc feedback every 50-100 ms, NACKs at most
 * every 20 ms per track while losses last (libwebrtc's NACK module), a PLI or FIR now and then:
 * about 150 a second at the very most. Each packet reaches a master as one call through
 * node-datachannel's queue, which has no bound and cannot be shed from: a peer past
 * `maxRtcpPerSecond` for `floodSeconds` seconds in a row is flooding, and its connection is
 * closed. Two seconds, not one: a master that stalled a moment gets a second's RTCP at once.
 */

/** Over three times the most a real receiver sends. */
export const maxRtcpPerSecond = 500;
/** Seconds in a row past the bound that make a flood. */
export const floodSeconds = 2;

export class RtcpFloodGuard {
  /** Set, for good, once the peer is flooding. */
  flooding = false;
  readonly #now: () => number;
  #windowStart = -Infinity;
  #inWindow = 0;
  /** Whole seconds in a row, up to the current one, past the bound. */
  #secondsOver = 0;

  /** `now`: monotonic milliseconds. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** One packet from the peer; true once it is flooding. */
  arrived(): boolean {
    const now = this.#now();
    const elapsed = now - this.#windowStart;
    if (elapsed >= 1000) {
      // A second with nothing at all in between breaks the run.
      const over = elapsed < 2000 && this.#inWindow > maxRtcpPerSecond;
      this.#secondsOver = over ? this.#secondsOver + 1 : 0;
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    if (++this.#inWindow > maxRtcpPerSecond && this.#secondsOver >= floodSeconds - 1) {
      this.flooding = true;
    }
    return this.flooding;
  }
}
