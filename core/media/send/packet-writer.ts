/**
 * The end of a sender's chain: writes one RTP packet from a frame's bytes and payload plan,
 * with the header extensions, into a shared scratch buffer, hands it to the transport in one
 * `send` call, and tells the chain it went out.
 *
 * Sending a packet allocates nothing: at ~300 packets/s per viewer, per-packet garbage under a
 * non-moving collector (JavaScriptCore, so Bun) leaves heap behind that grows with the viewers.
 */
import { rtpFixedHeaderSize, writeRtpPacket } from "../../rtp/payload-plan.ts";
import type { RingFrame } from "../frame-ring.ts";
import type { HeaderExtensions } from "./header-extensions.ts";
import type { OutgoingPacket } from "./stage.ts";

/**
 * Where every sender writes its packets: sends are synchronous (the transport copies the bytes
 * before `send` returns), so one buffer serves all viewers, and one view per packet length
 * hands each packet over without a new view object.
 */
const scratch = new Uint8Array(2048);
const scratchViews: Uint8Array[] = [];

function scratchView(length: number): Uint8Array {
  return scratchViews[length] ??= scratch.subarray(0, length);
}

export interface PacketWriterOptions {
  ssrc: number;
  payloadType: number;
  extensions: HeaderExtensions;
  /**
   * Hands one RTP packet to the transport; false when it could not be sent. The bytes are only
   * valid during the call (they are reused for the next packet).
   */
  send(packet: Uint8Array): boolean;
  /** The packet went out: the chain's stages hear of it. */
  sent(packet: OutgoingPacket): void;
}

export class RtpPacketWriter {
  readonly #o: PacketWriterOptions;
  /** Rewritten for each packet (see scratch). */
  readonly #packet: OutgoingPacket;

  constructor(options: PacketWriterOptions) {
    this.#o = options;
    this.#packet = {
      header: {
        payloadType: options.payloadType,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: options.ssrc,
        marker: false,
      },
      frame: undefined!,
      planIndex: 0,
      plan: undefined!,
      retransmission: false,
    };
  }

  /** The bytes the packet of `plan` takes on the wire (what the pacer counts). */
  packetLength(plan: OutgoingPacket["plan"]): number {
    return rtpFixedHeaderSize + this.#o.extensions.size + plan.size;
  }

  /** Writes and sends plan `planIndex` of the frame; false when the transport refused it. */
  write(
    frame: RingFrame,
    planIndex: number,
    plan: OutgoingPacket["plan"],
    sequenceNumber: number,
    timestamp: number,
    retransmission: boolean,
  ): boolean {
    const p = this.#packet;
    p.header.sequenceNumber = sequenceNumber;
    p.header.timestamp = timestamp;
    p.header.marker = plan.marker;
    p.frame = frame;
    p.planIndex = planIndex;
    p.plan = plan;
    p.retransmission = retransmission;
    const extensions = this.#o.extensions;
    const length = this.packetLength(plan);
    const out = length <= scratch.length ? scratchView(length) : new Uint8Array(length);
    writeRtpPacket(out, p.header, plan, extensions.size);
    if (extensions.size > 0) extensions.write(out, rtpFixedHeaderSize, p);
    if (!this.#o.send(out)) return false;
    if (extensions.size > 0) extensions.sent(p, length);
    this.#o.sent(p);
    return true;
  }
}
