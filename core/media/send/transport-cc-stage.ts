/**
 * The transport-cc stage: each packet that went out is recorded under the transport-wide
 * number the header extensions gave it (so one the transport refused spends no number), and
 * the peer's feedback and REMB reach the connection's estimate. A keyframe's first
 * transmission is a probe cluster (see probe-clusters.ts), named by its ring index.
 */
import type { PeerCongestion } from "../../congestion/peer-congestion.ts";
import type { RtcpPacket } from "../../rtcp/parse.ts";
import { rtpFixedHeaderSize } from "../../rtp/payload-plan.ts";
import type { OutgoingPacket, SenderStage } from "./stage.ts";

export class TransportCcStage implements SenderStage {
  readonly #congestion: PeerCongestion;
  readonly #extensionSize: number;

  constructor(congestion: PeerCongestion, extensionSize: number) {
    this.#congestion = congestion;
    this.#extensionSize = extensionSize;
  }

  sent(packet: OutgoingPacket): void {
    const { frame } = packet;
    const cluster = frame.keyframe && !packet.retransmission ? frame.index & 0x7fffffff : -1;
    this.#congestion.sent(rtpFixedHeaderSize + this.#extensionSize + packet.plan.size, cluster);
  }

  incoming(rtcp: RtcpPacket): void {
    this.#congestion.incoming(rtcp);
  }
}
