/**
 * A device without a real-time clock signs with a wrong date and AWS refuses the signature.
 * Like the AWS SDKs, learn the offset from the server's `Date` header after such a refusal and
 * sign later requests (and presigned URLs) with the corrected time.
 */

/** Below this difference the device clock is taken as right (AWS accepts +-5 minutes). */
const significantSkewMs = 4 * 60_000;

export class ClockSkew {
  #offsetMs = 0;
  readonly #deviceNow: () => number;

  constructor(deviceNow: () => number = Date.now) {
    this.#deviceNow = deviceNow;
  }

  /** Milliseconds to add to the device clock. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** The time to sign with. */
  now(): Date {
    return new Date(this.#deviceNow() + this.#offsetMs);
  }

  /**
   * Learns from a response's `Date` header (RFC 7231). Returns true when the correction changed,
   * i.e. when re-signing with the new time may succeed.
   */
  learn(serverDate: string | undefined | null): boolean {
    if (!serverDate) return false;
    const server = Date.parse(serverDate);
    if (Number.isNaN(server)) return false;
    const device = this.#deviceNow();
    if (Math.abs(server - (device + this.#offsetMs)) < significantSkewMs) return false;
    this.#offsetMs = server - device;
    return true;
  }
}
