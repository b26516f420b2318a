/**
 * The NACK stage: keeps a descriptor of each packet sent (RetransmitBuffer: frame index, plan,
 * sequence number, timestamp; never a copy) and answers a NACK by writing the packet again from
 * the frame's bytes, if the ring still holds the frame (its retransmit window). Resends are
 * bounded a second (`maxRetransmissionsPerSecond`): a viewer flooding NACKs for a window of big
 * frames would otherwise have us write tens of thousands of packets per callback. The resends
 * go through the pacer, ahead of new packets: NACKed sequence numbers wait in a bounded queue
 * (`maxPendingRetransmissions`) for the pacer's turns.
 */
import type { RtcpPacket } from "../../rtcp/parse.ts";
import type { FrameRing } from "../frame-ring.ts";
import { RetransmitBuffer } from "../retransmit-buffer.ts";
import type { PacedWork, SendPacer } from "./pacer.ts";
import type { RtpPacketWriter } from "./packet-writer.ts";
import { payloadPlans } from "./payload-plans.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { OutgoingPacket, SenderClock, SenderStage } from "./stage.ts";

/**
 * Packets resent a second at most: a 25 Mbit/s stream's whole packet rate (~2500), enough to
 * repair a burst that lost a whole keyframe; past it NACKed packets count as missed.
 */
export const maxRetransmissionsPerSecond = 2500;

/**
 * NACKed packets waiting for the pacer, at most: ~1.2 MB of resends, under a tenth of a second
 * at the default pacing rate. Past it they count as missed (the viewer asks again, or asks for
 * a keyframe); a Uint16Array of them costs 2 KB a track.
 */
export const maxPendingRetransmissions = 1024;

export interface NackResponderOptions {
  ssrc: number;
  ring: FrameRing;
  writer: RtpPacketWriter;
  pacer: SendPacer;
  stats: TrackSenderStats;
  maxPayload: number;
  clock: SenderClock;
  /** The retransmit buffer's starting capacity in packets (it grows with the ring's window). */
  retransmitCapacity?: number;
}

export class NackResponder implements SenderStage, PacedWork {
  readonly retransmitBuffer: RetransmitBuffer;
  readonly #o: NackResponderOptions;
  #secondStart = -Infinity;
  #inSecond = 0;
  /** NACKed sequence numbers waiting for the pacer: a ring of `#pendingCount` from `#pendingHead`. */
  readonly #pending = new Uint16Array(maxPendingRetransmissions);
  #pendingHead = 0;
  #pendingCount = 0;

  constructor(options: NackResponderOptions) {
    this.#o = options;
    this.retransmitBuffer = new RetransmitBuffer(options.retransmitCapacity);
  }

  sent(packet: OutgoingPacket): void {
    if (packet.retransmission) return;
    this.retransmitBuffer.record(
      packet.header.sequenceNumber,
      packet.frame.index,
      packet.planIndex,
      packet.header.timestamp,
      this.#o.ring.oldestIndex,
    );
  }

  /** NACKed packets waiting for the pacer. */
  get pending(): number {
    return this.#pendingCount;
  }

  incoming(rtcp: RtcpPacket): void {
    if (rtcp.kind !== "nack" || rtcp.packet.mediaSsrc !== this.#o.ssrc) return;
    const stats = this.#o.stats;
    stats.nacks++;
    const now = this.#o.clock.now();
    if (now - this.#secondStart >= 1000) {
      this.#secondStart = now;
      this.#inSecond = 0;
    }
    const pending = this.#pending;
    for (const seq of rtcp.packet.sequenceNumbers) {
      if (
        this.#inSecond >= maxRetransmissionsPerSecond ||
        this.#pendingCount === pending.length ||
        !this.retransmitBuffer.holds(seq)
      ) {
        stats.retransmissionsMissed++;
        continue;
      }
      this.#inSecond++;
      pending[(this.#pendingHead + this.#pendingCount++) % pending.length] = seq;
    }
  }

  /** Resends the NACKed packets, while the pacer allows; true when some are left. */
  drain(): boolean {
    const { stats, ring, writer, pacer, maxPayload } = this.#o;
    const pending = this.#pending;
    while (this.#pendingCount > 0) {
      const seq = pending[this.#pendingHead];
      const d = this.retransmitBuffer.find(seq);
      // Gone from the ring: past the retransmit window.
      const frame = d && ring.get(d.frameIndex);
      const plan = frame && payloadPlans(frame, maxPayload)[d.plan];
      if (plan && !pacer.take(writer.packetLength(plan))) return true;
      this.#pendingHead = (this.#pendingHead + 1) % pending.length;
      this.#pendingCount--;
      if (!plan) stats.retransmissionsMissed++;
      else if (writer.write(frame, d.plan, plan, seq, d.timestamp, true)) stats.retransmissions++;
    }
    return false;
  }

  /** Drops the NACKed packets waiting. */
  clear(): void {
    this.#pendingCount = 0;
  }
}
