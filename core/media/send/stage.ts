/**
 * The per-track sender is a chain of small stages, each with one job, in the shape of
 * libdatachannel's media handlers and pion's interceptors: outgoing packets pass each stage
 * once the transport took them, incoming RTCP is dispatched to each. Nothing here is allocated
 * per packet: the one OutgoingPacket of a sender is rewritten for each packet.
 */
import type { RtcpPacket } from "../../rtcp/parse.ts";
import type { PayloadPlan, RtpSendHeader } from "../../rtp/payload-plan.ts";
import type { RingFrame } from "../frame-ring.ts";

/** The RTP packet being sent: what it was written from. Valid only during the call. */
export interface OutgoingPacket {
  readonly header: RtpSendHeader;
  frame: RingFrame;
  /** Which of the frame's payload plans. */
  planIndex: number;
  plan: PayloadPlan;
  /** A NACK's resend of a packet sent before (same sequence number and timestamp). */
  retransmission: boolean;
}

export interface SenderStage {
  /** A packet the transport took. */
  sent?(packet: OutgoingPacket): void;
  /** One RTCP packet from the receiver (one of a compound packet's). */
  incoming?(rtcp: RtcpPacket): void;
}

export interface SenderClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock Unix milliseconds (for the NTP time in sender reports and RTT). */
  unixNow(): number;
}

export const systemClock: SenderClock = {
  now: () => performance.now(),
  unixNow: () => Date.now(),
};
