/**
 * Packet groups and their delay variation (draft-ietf-rmcat-gcc-02 5.2): packets sent within
 * 5 ms of a group's first form one group (a frame's burst, or a pacer's slice); each time a
 * group completes, the difference between its arrival spacing and its send spacing from the
 * group before is one sample of how the queue on the path changed.
 */

/** Send-time span of one packet group. */
export const packetGroupSpanMs = 5;

export class InterGroupDelay {
  /** The last completed pair's send spacing, arrival spacing and last arrival, in ms. */
  sendDeltaMs = 0;
  arrivalDeltaMs = 0;
  arrivalMs = 0;

  #firstSendMs = NaN; // the group being gathered
  #lastSendMs = 0;
  #lastArrivalMs = 0;
  #previousSendMs = NaN; // the group completed before it
  #previousArrivalMs = 0;

  /**
   * Adds a received packet, in transport-wide sequence order; true when it completed a group
   * that has a predecessor, with the deltas in the fields above.
   */
  add(sendMs: number, arrivalMs: number): boolean {
    if (Number.isNaN(this.#firstSendMs)) {
      this.#startGroup(sendMs, arrivalMs);
      return false;
    }
    if (sendMs < this.#firstSendMs) return false; // reordered behind its group: no sample
    if (sendMs - this.#firstSendMs <= packetGroupSpanMs) {
      this.#lastSendMs = Math.max(this.#lastSendMs, sendMs);
      this.#lastArrivalMs = Math.max(this.#lastArrivalMs, arrivalMs);
      return false;
    }
    const hasPrevious = !Number.isNaN(this.#previousSendMs);
    if (hasPrevious) {
      this.sendDeltaMs = this.#lastSendMs - this.#previousSendMs;
      this.arrivalDeltaMs = this.#lastArrivalMs - this.#previousArrivalMs;
      this.arrivalMs = this.#lastArrivalMs;
    }
    this.#previousSendMs = this.#lastSendMs;
    this.#previousArrivalMs = this.#lastArrivalMs;
    this.#startGroup(sendMs, arrivalMs);
    return hasPrevious;
  }

  #startGroup(sendMs: number, arrivalMs: number): void {
    this.#firstSendMs = sendMs;
    this.#lastSendMs = sendMs;
    this.#lastArrivalMs = arrivalMs;
  }
}
