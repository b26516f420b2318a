/**
 * The sender of one track to one viewer, over the shared frame ring: the chain of
 * core/media/send/ composed for one track, in libdatachannel's media-handler order:
 *   sequencer + packetizer -> header extensions -> packet writer -> transport,
 * each packet that went out passing the sender-report reporter and the NACK responder; RTCP
 * from the viewer is parsed once and dispatched to the NACK responder, the keyframe handler
 * and the receiver statistics. What goes on the wire goes through the pacer, NACK resends
 * first, then the sequencer's frames. With transport-cc, every packet carries its connection's
 * transport-wide number and is recorded for the connection's bandwidth estimate.
 */
import { parseRtcp } from "../rtcp/parse.ts";
import type { FrameRing } from "./frame-ring.ts";
import { HeaderExtensions, type TrackTransportCc } from "./send/header-extensions.ts";
import { KeyframeHandler } from "./send/keyframe-handler.ts";
import { NackResponder } from "./send/nack-responder.ts";
import { SendPacer, type TurnScheduler } from "./send/pacer.ts";
import { RtpPacketWriter } from "./send/packet-writer.ts";
import { defaultMaxPayload } from "./send/payload-plans.ts";
import { ReceiverFeedback } from "./send/receiver-feedback.ts";
import { SenderReporter } from "./send/sender-reporter.ts";
import { newSenderStats, type TrackSenderStats } from "./send/sender-stats.ts";
import { RtpSequencer } from "./send/sequencer.ts";
import {
  type OutgoingPacket,
  type SenderClock,
  type SenderStage,
  systemClock,
} from "./send/stage.ts";
import type { RetransmitBuffer } from "./retransmit-buffer.ts";
import type { PeerCongestion } from "../congestion/peer-congestion.ts";

export type { TrackSenderStats } from "./send/sender-stats.ts";

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
  /** RTP payload budget (defaultMaxPayload). */
  maxPayload?: number;
  /** The retransmit buffer's starting capacity in packets (it grows with the ring's window). */
  retransmitCapacity?: number;
  /** Keyframe requests closer together than this restart the GOP only once. */
  keyframeRequestIntervalMs?: number;
  clock?: SenderClock;
  /** How the pacer gets a later turn of the event loop (timers by default; tests run their own). */
  turns?: TurnScheduler;
  /** The pacer's bytes per turn at most (defaultMaxBytesPerTurn). */
  maxBytesPerTurn?: number;
  /**
   * The peer connection's pacer, when its tracks share one (they share its estimate); else
   * the sender makes its own. Stopping the sender stops it.
   */
  pacer?: SendPacer;
  /**
   * The media time (µs, the ring frames' clock) live now, one clock for a master's tracks;
   * undefined before the first frame. Sender reports map it to RTP time (see SenderReporter).
   */
  liveMediaTimeUs?: () => number | undefined;
  /** When transport-cc was negotiated for this track. */
  transportCc?: TrackTransportCc;
  /** Random by default; tests fix them. */
  initialSequenceNumber?: number;
  initialTimestamp?: number;
}

function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

export class TrackSender {
  readonly stats: TrackSenderStats = newSenderStats();
  readonly ssrc: number;
  /** Its rate may be set at any time (a bandwidth estimate). */
  readonly pacer: SendPacer;
  readonly #sequencer: RtpSequencer;
  readonly #reporter: SenderReporter;
  readonly #nack: NackResponder;
  /** Every stage, in chain order: each hears of the packets sent and of incoming RTCP. */
  readonly #stages: SenderStage[];
  /**
   * The connection's congestion control hears the RTCP too; not as a stage: the packets it
   * numbers are recorded by the header extensions, and one more type at the stages' per-packet
   * call site made that site megamorphic (the send path a third slower in its benchmark).
   */
  readonly #congestion?: PeerCongestion;
  readonly #send: (packet: Uint8Array) => boolean;
  /** Restarts that a sender report has told the viewer of; undefined: reports are not sent here. */
  #reportedRestarts?: number;

  constructor(o: TrackSenderOptions) {
    this.ssrc = o.ssrc;
    const { ring, ssrc } = o;
    const stats = this.stats;
    const clock = o.clock ?? systemClock;
    const maxPayload = o.maxPayload ?? defaultMaxPayload;
    const sent = this.#sent.bind(this);
    const pacer = this.pacer = o.pacer ?? new SendPacer({
      clock,
      turns: o.turns,
      maxBytesPerTurn: o.maxBytesPerTurn,
    });
    const extensions = new HeaderExtensions(o.transportCc);
    const writer = new RtpPacketWriter({
      ssrc,
      payloadType: o.payloadType,
      extensions,
      send: o.send,
      sent,
    });
    this.#sequencer = new RtpSequencer({
      ring,
      writer,
      pacer,
      stats,
      clock,
      clockRate: o.clockRate,
      maxPayload,
      initialSequenceNumber: o.initialSequenceNumber ?? random32(),
      initialTimestamp: (o.initialTimestamp ?? random32()) >>> 0,
    });
    const live = o.liveMediaTimeUs;
    const sequencer = this.#sequencer;
    this.#reporter = new SenderReporter(
      ssrc,
      o.clockRate,
      stats,
      clock,
      live && (() => {
        const timeUs = live();
        return timeUs === undefined ? undefined : sequencer.timestampAt(timeUs);
      }),
    );
    this.#nack = new NackResponder({
      ssrc,
      ring,
      writer,
      pacer,
      stats,
      maxPayload,
      clock,
      retransmitCapacity: o.retransmitCapacity,
    });
    pacer.add(this.#nack);
    pacer.add(this.#sequencer);
    this.#stages = [
      this.#reporter,
      this.#nack,
      new KeyframeHandler(ssrc, this.#sequencer, stats, clock, o.keyframeRequestIntervalMs),
      new ReceiverFeedback(ssrc, stats, clock),
    ];
    this.#congestion = o.transportCc?.congestion;
    this.#send = o.send;
    if (live) this.#reportedRestarts = 0;
  }

  get started(): boolean {
    return this.#sequencer.started;
  }

  /** Whether only keyframes go out (the viewer cannot take the stream); video only. */
  get keyframesOnly(): boolean {
    return this.#sequencer.keyframesOnly;
  }

  set keyframesOnly(only: boolean) {
    this.#sequencer.keyframesOnly = only;
  }

  get retransmitBuffer(): RetransmitBuffer {
    return this.#nack.retransmitBuffer;
  }

  /** Begins sending: video at the newest keyframe held, audio at the next packet. */
  start(): void {
    this.#sequencer.start();
  }

  /**
   * Sends the frames of the ring not yet sent to this viewer, as the pacer allows (the rest in
   * later turns). Call after each ring push.
   */
  pump(): void {
    this.pacer.run();
    this.#reportRestart();
  }

  /**
   * Acts on RTCP from the viewer (compound or not): NACK, PLI, FIR, receiver reports, REMB,
   * transport-cc feedback.
   */
  handleRtcp(packet: Uint8Array): void {
    for (const rtcp of parseRtcp(packet)) {
      for (const stage of this.#stages) stage.incoming?.(rtcp);
      this.#congestion?.incoming(rtcp);
    }
    this.pacer.run();
    this.#reportRestart();
  }

  /**
   * A restart (PLI/FIR) shifts the track's timestamps on: with sender reports on the live media
   * clock, one goes out at once, or a viewer would put the frames after it off by the shift
   * until the next periodic report, up to a second later.
   */
  #reportRestart() {
    const restarts = this.stats.keyframeRestarts;
    if (this.#reportedRestarts === undefined || restarts === this.#reportedRestarts) return;
    this.#reportedRestarts = restarts;
    const report = this.senderReport();
    if (report) this.#send(report);
  }

  /** Sends nothing more: the pacer's waiting turn, the NACKs waiting and the descriptors go. */
  stop(): void {
    this.pacer.stop();
    this.#nack.clear();
    this.retransmitBuffer.clear();
  }

  /** An RTCP sender report for now; undefined before the first packet. */
  senderReport(): Uint8Array | undefined {
    return this.#reporter.senderReport();
  }

  #sent(packet: OutgoingPacket) {
    // Indexed, not for-of: this runs per packet, and an iterator would be per-packet garbage.
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i++) stages[i].sent?.(packet);
  }
}
