/**
 * The sender of one track to one viewer: the RTP side of libdatachannel's media-handler chain
 * (packetizer -> SR reporter -> NACK responder), over the shared frame ring. It writes each
 * packet from the frame's bytes and the frame's payload plans into one scratch buffer, keeps
 * only descriptors for retransmission, answers NACK from the frame's bytes, and restarts at
 * the newest keyframe on PLI/FIR. A video viewer starts at the newest keyframe (GOP cache): the
 * frames from there to the newest go out at once with timestamps one tick apart, so the viewer
 * decodes them as a catch-up burst rather than waiting for the next keyframe.
 *
 * Sending a packet allocates nothing: at ~300 packets/s per viewer, per-packet garbage under a
 * non-moving collector (JavaScriptCore, so Bun) leaves heap behind that grows with the viewers.
 */
import { parseRtcp } from "../rtcp/parse.ts";
import { buildSenderReport, compactNtp, ntpTime } from "../rtcp/sender-report.ts";
import { rtpFixedHeaderSize, type RtpSendHeader, writeRtpPacket } from "../rtp/payload-plan.ts";
import type { FrameRing, RingFrame } from "./frame-ring.ts";
import type { MediaFrame } from "./media-frame.ts";
import { RetransmitBuffer } from "./retransmit-buffer.ts";

export interface SenderClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall-clock Unix milliseconds (for the NTP time in sender reports and RTT). */
  unixNow(): number;
}

const systemClock: SenderClock = { now: () => performance.now(), unixNow: () => Date.now() };

export interface TrackSenderOptions {
  ring: FrameRing;
  ssrc: number;
  payloadType: number;
  /** 90000 for H.264, 48000 for Opus. */
  clockRate: number;
  /**
   * Hands one RTP or RTCP packet to the transport; false when it could not be sent. The bytes
   * are only valid during the call (they are reused for the next packet).
   */
  send(packet: Uint8Array): boolean;
  /** The retransmit buffer's starting capacity in packets (it grows with the ring's window). */
  retransmitCapacity?: number;
  /** Keyframe requests closer together than this restart the GOP only once. */
  keyframeRequestIntervalMs?: number;
  /** TEST ONLY: drops a packet before its first transmission when it returns true. */
  dropBeforeSend?: (sequenceNumber: number) => boolean;
  clock?: SenderClock;
  /** Random by default; tests fix them. */
  initialSequenceNumber?: number;
  initialTimestamp?: number;
}

export interface TrackSenderStats {
  packetsSent: number;
  /** Payload octets sent (what sender reports count). */
  octetsSent: number;
  framesSent: number;
  /** Frames skipped to get back on a keyframe (a slow or failing transport). */
  framesSkipped: number;
  retransmissions: number;
  /** NACKed packets no longer held. */
  retransmissionsMissed: number;
  nacks: number;
  keyframeRequests: number;
  keyframeRestarts: number;
  /** Dropped by the test-only loss hook. */
  droppedByHook: number;
  /** From the viewer's newest receiver report about this track. */
  fractionLost?: number;
  cumulativeLost?: number;
  jitter?: number;
  roundTripMs?: number;
}

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

function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

export class TrackSender {
  readonly stats: TrackSenderStats = {
    packetsSent: 0,
    octetsSent: 0,
    framesSent: 0,
    framesSkipped: 0,
    retransmissions: 0,
    retransmissionsMissed: 0,
    nacks: 0,
    keyframeRequests: 0,
    keyframeRestarts: 0,
    droppedByHook: 0,
  };
  readonly retransmitBuffer: RetransmitBuffer;
  readonly ssrc: number;
  readonly #o: TrackSenderOptions;
  readonly #clock: SenderClock;
  readonly #timestampBase: number;
  #sequenceNumber: number;
  /** Rewritten for each packet (see scratch). */
  readonly #header: RtpSendHeader;
  /** Ring index of the next frame to send; undefined before start(). */
  #next?: number;
  /** Frames below `end` are a catch-up burst: timestamps one tick apart, ending at `ticks`. */
  #catchUp = { end: -1, ticks: 0 };
  /** Ticks added to every timestamp so a restart never makes them go backwards. */
  #shift = 0;
  #waitForKeyframe = false;
  #keyframeRequested = false;
  #lastRestartAt = -Infinity;
  /** The last frame sent: its RTP timestamp and when (for sender reports). */
  readonly #last = { any: false, timestamp: 0, sentAt: 0 };

  constructor(options: TrackSenderOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.ssrc = options.ssrc;
    this.retransmitBuffer = new RetransmitBuffer(options.retransmitCapacity);
    this.#sequenceNumber = (options.initialSequenceNumber ?? random32()) & 0xffff;
    this.#timestampBase = (options.initialTimestamp ?? random32()) >>> 0;
    this.#header = {
      payloadType: options.payloadType,
      sequenceNumber: 0,
      timestamp: 0,
      ssrc: options.ssrc,
      marker: false,
    };
  }

  get started(): boolean {
    return this.#next !== undefined;
  }

  /** Begins sending: video at the newest keyframe held, audio at the next packet. */
  start(): void {
    if (this.started) return;
    const ring = this.#o.ring;
    const keyframe = ring.newestKeyframe;
    if (keyframe) this.#restartAt(keyframe);
    else {
      this.#next = ring.nextIndex;
      this.#waitForKeyframe = ring.kind === "video";
    }
    this.pump();
  }

  /** Sends every frame of the ring not yet sent to this viewer. Call after each ring push. */
  pump(): void {
    if (this.#next === undefined) return;
    const ring = this.#o.ring;
    if (this.#keyframeRequested) {
      this.#keyframeRequested = false;
      const keyframe = ring.newestKeyframe;
      if (keyframe) this.#restartAt(keyframe);
      else this.#skipToKeyframe();
    }
    while (this.#next < ring.nextIndex) {
      let frame = ring.get(this.#next);
      if (!frame) {
        // Evicted before it went out: this viewer fell behind the ring.
        const keyframe = ring.keyframeFrom(this.#next);
        this.stats.framesSkipped += (keyframe?.index ?? ring.nextIndex) - this.#next;
        if (!keyframe) {
          this.#skipToKeyframe();
          this.#next = ring.nextIndex;
          return;
        }
        frame = keyframe;
        this.#next = keyframe.index;
      }
      this.#next++;
      if (this.#waitForKeyframe) {
        if (!frame.keyframe) {
          this.stats.framesSkipped++;
          continue;
        }
        this.#waitForKeyframe = false;
      }
      if (!this.#sendFrame(frame)) this.#skipToKeyframe();
    }
  }

  /** Acts on RTCP from the viewer (compound or not): NACK, PLI, FIR, receiver reports. */
  handleRtcp(packet: Uint8Array): void {
    for (const rtcp of parseRtcp(packet)) {
      switch (rtcp.kind) {
        case "nack":
          if (rtcp.packet.mediaSsrc === this.ssrc) this.#resend(rtcp.packet.sequenceNumbers);
          break;
        case "pli":
          if (rtcp.packet.mediaSsrc === this.ssrc) this.requestKeyframe();
          break;
        case "fir":
          if (rtcp.packet.entries.some((e) => e.ssrc === this.ssrc)) this.requestKeyframe();
          break;
        case "receiverReport":
        case "senderReport":
          for (const block of rtcp.packet.reports) {
            if (block.ssrc !== this.ssrc) continue;
            this.stats.fractionLost = block.fractionLost / 256;
            this.stats.cumulativeLost = block.cumulativeLost;
            this.stats.jitter = block.jitter;
            if (block.lastSenderReport !== 0) {
              const now = compactNtp(ntpTime(this.#clock.unixNow()));
              const rtt = (now - block.lastSenderReport - block.delaySinceLastSenderReport) >>> 0;
              if (rtt < 0x80000000) this.stats.roundTripMs = (rtt / 65536) * 1000;
            }
          }
          break;
      }
    }
  }

  /** PLI/FIR: the next picture this viewer gets is the newest keyframe (then the GOP after it). */
  requestKeyframe(): void {
    this.stats.keyframeRequests++;
    const now = this.#clock.now();
    if (now - this.#lastRestartAt < (this.#o.keyframeRequestIntervalMs ?? 250)) return;
    this.#keyframeRequested = true;
    this.pump();
  }

  /** An RTCP sender report for now; undefined before the first packet. */
  senderReport(): Uint8Array | undefined {
    if (!this.#last.any) return undefined;
    const elapsedMs = this.#clock.now() - this.#last.sentAt;
    const rtpTimestamp =
      (this.#last.timestamp + Math.round(elapsedMs * this.#o.clockRate / 1000)) >>>
      0;
    return buildSenderReport({
      ssrc: this.ssrc,
      ...ntpTime(this.#clock.unixNow()),
      rtpTimestamp,
      packetCount: this.stats.packetsSent,
      octetCount: this.stats.octetsSent,
      reports: [],
    });
  }

  #restartAt(keyframe: RingFrame) {
    const ring = this.#o.ring;
    const newest = ring.newest!;
    this.#next = keyframe.index;
    this.#catchUp = { end: newest.index, ticks: this.#mediaTicks(newest) };
    this.#waitForKeyframe = false;
    this.#lastRestartAt = this.#clock.now();
    if (this.#last.any) {
      this.stats.keyframeRestarts++;
      // The burst's first timestamp must come after the last one sent.
      const first = this.#timestampOf(keyframe);
      const behind = (this.#last.timestamp - first) | 0;
      if (behind >= 0) this.#shift += behind + 1;
    }
  }

  #skipToKeyframe() {
    this.#waitForKeyframe = this.#o.ring.kind === "video";
  }

  #mediaTicks(frame: MediaFrame): number {
    return Math.round(frame.timeUs * this.#o.clockRate / 1e6);
  }

  #timestampOf(frame: RingFrame): number {
    const { end, ticks } = this.#catchUp;
    const media = frame.index < end ? ticks - (end - frame.index) : this.#mediaTicks(frame);
    return (this.#timestampBase + media + this.#shift) >>> 0;
  }

  #sendFrame(frame: RingFrame): boolean {
    const timestamp = this.#timestampOf(frame);
    for (let plan = 0; plan < frame.plans.length; plan++) {
      const sequenceNumber = this.#sequenceNumber;
      this.#sequenceNumber = (sequenceNumber + 1) & 0xffff;
      this.retransmitBuffer.record(
        sequenceNumber,
        frame.index,
        plan,
        timestamp,
        this.#o.ring.oldestIndex,
      );
      if (this.#o.dropBeforeSend?.(sequenceNumber)) {
        this.stats.droppedByHook++;
        continue;
      }
      if (!this.#write(frame, plan, sequenceNumber, timestamp)) {
        // Not sent: its sequence number goes to the next packet, so the viewer sees no gap.
        this.#sequenceNumber = sequenceNumber;
        return false;
      }
    }
    this.stats.framesSent++;
    this.#last.any = true;
    this.#last.timestamp = timestamp;
    this.#last.sentAt = this.#clock.now();
    return true;
  }

  #resend(sequenceNumbers: number[]) {
    this.stats.nacks++;
    for (const seq of sequenceNumbers) {
      const d = this.retransmitBuffer.find(seq);
      // Gone from the ring: past the retransmit window.
      const frame = d && this.#o.ring.get(d.frameIndex);
      if (!d || !frame) {
        this.stats.retransmissionsMissed++;
        continue;
      }
      if (this.#write(frame, d.plan, seq, d.timestamp)) this.stats.retransmissions++;
    }
  }

  #write(frame: MediaFrame, planIndex: number, sequenceNumber: number, timestamp: number) {
    const plan = frame.plans[planIndex];
    const header = this.#header;
    header.sequenceNumber = sequenceNumber;
    header.timestamp = timestamp;
    header.marker = plan.marker;
    const length = rtpFixedHeaderSize + plan.size;
    const packet = length <= scratch.length ? scratchView(length) : new Uint8Array(length);
    writeRtpPacket(packet, header, plan);
    if (!this.#o.send(packet)) return false;
    this.stats.packetsSent++;
    this.stats.octetsSent += plan.size;
    return true;
  }
}
