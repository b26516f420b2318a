/**
 * The NACK stage: keeps a descriptor of each packet sent (RetransmitBuffer: frame index, plan,
 * sequence number, timestamp; never a copy) and answers a NACK by writing the packet again from
 * the frame's bytes, if the ring still holds the frame (its retransmit window). Resends are
 * bounded a second (`maxRetransmissionsPerSecond`): a viewer flooding NACKs for a window of big
 * frames would otherwise have us write tens of thousands of packets per callback.
 */
import type { RtcpPacket } from "../../rtcp/parse.ts";
import type { FrameRing } from "../frame-ring.ts";
import { RetransmitBuffer } from "../retransmit-buffer.ts";
import type { RtpPacketWriter } from "./packet-writer.ts";
import { payloadPlans } from "./payload-plans.ts";
import type { TrackSenderStats } from "./sender-stats.ts";
import type { OutgoingPacket, SenderClock, SenderStage } from "./stage.ts";

/**
 * Packets resent a second at most: a 25 Mbit/s stream's whole packet rate (~2500), enough to
 * repair a burst that lost a whole keyframe; past it NACKed packets count as missed.
 */
export const maxRetransmissionsPerSecond = 2500;

export interface NackResponderOptions {
  ssrc: number;
  ring: FrameRing;
  writer: RtpPacketWriter;
  stats: TrackSenderStats;
  maxPayload: number;
  clock: SenderClock;
  /** The retransmit buffer's starting capacity in packets (it grows with the ring's window). */
  retransmitCapacity?: number;
}

export class NackResponder implements SenderStage {
  readonly retransmitBuffer: RetransmitBuffer;
  readonly #o: NackResponderOptions;
  #secondStart = -Infinity;
  #inSecond = 0;

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

  incoming(rtcp: RtcpPacket): void {
    if (rtcp.kind !== "nack" || rtcp.packet.mediaSsrc !== this.#o.ssrc) return;
    const { stats, ring, writer } = this.#o;
    stats.nacks++;
    const now = this.#o.clock.now();
    if (now - this.#secondStart >= 1000) {
      this.#secondStart = now;
      this.#inSecond = 0;
    }
    for (const seq of rtcp.packet.sequenceNumbers) {
      if (this.#inSecond >= maxRetransmissionsPerSecond) {
        stats.retransmissionsMissed++;
        continue;
      }
      const d = this.retransmitBuffer.find(seq);
      // Gone from the ring: past the retransmit window.
      const frame = d && ring.get(d.frameIndex);
      if (!d || !frame) {
        stats.retransmissionsMissed++;
        continue;
      }
      const plan = payloadPlans(frame, this.#o.maxPayload)[d.plan];
      this.#inSecond++;
      if (writer.write(frame, d.plan, plan, seq, d.timestamp, true)) stats.retransmissions++;
    }
  }
}
