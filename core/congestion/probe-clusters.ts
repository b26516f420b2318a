/**
 * Probing with the media itself. kvsrtc passes its source's H.264 through, so it cannot send
 * padding above its bitrate as libwebrtc's prober does; but every keyframe leaves the pacer as
 * a train of packets at well above the stream's average rate. Each such train is a probe
 * cluster: the rate its packets reached the receiver at, bounded by the rate they were sent at,
 * is a measure of what the path carries, as libwebrtc's ProbeBitrateEstimator takes it. That is
 * how the estimate finds the path wider again after it narrowed, even while only keyframes go.
 *
 * A few clusters are followed at once, in one typed array (a cluster id's low bits pick its
 * slot), so following them allocates nothing.
 */

const slots = 8; // a power of two
/** Packets of a cluster that must arrive before it gives a rate. */
export const minProbePackets = 6;
/** A cluster whose arrivals span less than this says nothing reliable about the rate. */
const minArrivalSpanMs = 2;

/** A slot's fields, in one Float64Array: `fields` numbers per slot. */
const cluster = 0, count = 1, bytes = 2, firstSize = 3, lastSize = 4;
const firstSentMs = 5, lastSentMs = 6, firstArrivalMs = 7, lastArrivalMs = 8, touched = 9;
const fields = 10;

export class ProbeClusters {
  readonly #slots = new Float64Array(slots * fields).fill(-1);

  /** A packet of cluster `id` (>= 0) that arrived. */
  add(id: number, sentMs: number, arrivalMs: number, sizeBytes: number): void {
    const s = this.#slots;
    const at = (id & (slots - 1)) * fields;
    if (s[at + cluster] !== id) {
      s[at + cluster] = id;
      s[at + count] = s[at + bytes] = 0;
      s[at + firstSentMs] = s[at + firstArrivalMs] = Infinity;
      s[at + lastSentMs] = s[at + lastArrivalMs] = -Infinity;
    }
    s[at + count]++;
    s[at + bytes] += sizeBytes;
    if (sentMs < s[at + firstSentMs]) s[at + firstSentMs] = sentMs;
    if (sentMs >= s[at + lastSentMs]) {
      s[at + lastSentMs] = sentMs;
      s[at + lastSize] = sizeBytes;
    }
    if (arrivalMs < s[at + firstArrivalMs]) {
      s[at + firstArrivalMs] = arrivalMs;
      s[at + firstSize] = sizeBytes;
    }
    if (arrivalMs > s[at + lastArrivalMs]) s[at + lastArrivalMs] = arrivalMs;
    s[at + touched] = 1;
  }

  /**
   * The highest rate (bits/s) the clusters added to since the last call show, NaN when none
   * has enough packets: per cluster the lower of its send and receive rates, each over its
   * span without the packet that opens it.
   */
  takeRateBps(): number {
    const s = this.#slots;
    let best = NaN;
    for (let at = 0; at < s.length; at += fields) {
      if (s[at + touched] !== 1) continue;
      s[at + touched] = 0;
      if (s[at + count] < minProbePackets) continue;
      const arrivalSpanMs = s[at + lastArrivalMs] - s[at + firstArrivalMs];
      if (arrivalSpanMs < minArrivalSpanMs) continue;
      const receiveBps = (s[at + bytes] - s[at + firstSize]) * 8000 / arrivalSpanMs;
      const sendSpanMs = s[at + lastSentMs] - s[at + firstSentMs];
      const sendBps = sendSpanMs > 0
        ? (s[at + bytes] - s[at + lastSize]) * 8000 / sendSpanMs
        : Infinity;
      const bps = Math.min(receiveBps, sendBps);
      if (!(bps <= best)) best = bps;
    }
    return best;
  }
}
