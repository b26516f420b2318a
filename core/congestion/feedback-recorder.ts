/**
 * The receiver's side of transport-cc: arrival times of packets by transport-wide sequence
 * number, kept in a typed-array ring (nothing allocated per packet), turned every ~100 ms into
 * one feedback message covering everything since the previous one. A packet arriving after
 * its number was reported lost stays lost, as in libwebrtc's first version of the protocol.
 */
import { SequenceUnwrapper } from "../rtp/sequence-number.ts";
import {
  maxTransportCcPackets,
  receiveDeltaTickUs,
  referenceTimeUnitUs,
  type TransportCcFeedback,
} from "../rtcp/transport-cc.ts";

/** Sequence numbers the ring spans; newer arrivals push the oldest unreported ones out. */
const ringSize = maxTransportCcPackets; // a power of two
const ticksPerMs = 1000 / receiveDeltaTickUs;
const ticksPerReferenceUnit = referenceTimeUnitUs / receiveDeltaTickUs;
const maxDeltaTicks = 0x7fff;
const minDeltaTicks = -0x8000;

export class TransportCcRecorder {
  readonly #arrivalMs = new Float64Array(ringSize).fill(NaN);
  readonly #unwrapper = new SequenceUnwrapper();
  #nextToReport = NaN; // extended sequence numbers
  #highest = NaN;
  #feedbackCount = 0;

  /** Every RTP packet that carried a transport-wide sequence number. */
  onPacketReceived(sequenceNumber: number, arrivalMs: number): void {
    const extended = this.#unwrapper.unwrap(sequenceNumber);
    if (Number.isNaN(this.#nextToReport)) this.#nextToReport = this.#highest = extended;
    if (extended < this.#nextToReport) return; // reported already
    if (extended > this.#highest) {
      for (let s = this.#highest + 1; s < extended && s <= this.#highest + ringSize; s++) {
        this.#arrivalMs[s % ringSize] = NaN; // the gap's slots may hold an old cycle's times
      }
      this.#highest = extended;
      this.#nextToReport = Math.max(this.#nextToReport, extended - ringSize + 1);
    }
    this.#arrivalMs[extended % ringSize] = arrivalMs;
  }

  /**
   * Feedback for the packets since the last one, or undefined when nothing arrived since. A
   * gap too long for one receive delta ends the message early; the rest go in the next.
   */
  buildFeedback(senderSsrc: number, mediaSsrc: number): TransportCcFeedback | undefined {
    const from = this.#nextToReport;
    if (Number.isNaN(from) || this.#highest < from) return undefined;
    const firstArrivalMs = this.#firstArrivalMs(from);
    const referenceUnits = Math.floor((firstArrivalMs * ticksPerMs) / ticksPerReferenceUnit);
    let previousTicks = referenceUnits * ticksPerReferenceUnit;
    const receiveDeltasUs: (number | null)[] = [];
    let next = from;
    for (; next <= this.#highest; next++) {
      const arrivalMs = this.#arrivalMs[next % ringSize];
      if (Number.isNaN(arrivalMs)) {
        receiveDeltasUs.push(null);
        continue;
      }
      const ticks = Math.round(arrivalMs * ticksPerMs);
      const delta = ticks - previousTicks;
      if (delta > maxDeltaTicks || delta < minDeltaTicks) break;
      receiveDeltasUs.push(delta * receiveDeltaTickUs);
      previousTicks = ticks;
      this.#arrivalMs[next % ringSize] = NaN;
    }
    this.#nextToReport = next;
    const feedbackPacketCount = this.#feedbackCount;
    this.#feedbackCount = (this.#feedbackCount + 1) & 0xff;
    return {
      senderSsrc,
      mediaSsrc,
      baseSequenceNumber: from & 0xffff,
      referenceTime: referenceUnits % (1 << 24),
      feedbackPacketCount,
      receiveDeltasUs,
    };
  }

  /** The first arrival at or after `from`; one exists, as the highest number arrived. */
  #firstArrivalMs(from: number): number {
    for (let s = from;; s++) {
      const arrivalMs = this.#arrivalMs[s % ringSize];
      if (!Number.isNaN(arrivalMs)) return arrivalMs;
    }
  }
}
