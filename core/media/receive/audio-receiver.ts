/**
 * A viewer's receive chain for its Opus track: reception statistics -> packets out as they
 * come (Opus needs no reassembly; the decoder conceals a loss), and a receiver report a tick
 * when one is due.
 */
import { TrackReception } from "./track-reception.ts";

export interface AudioReceiverOptions {
  /** Ours: the sender SSRC of our RTCP. */
  ssrc: number;
  clockRate: number;
  startedAt: number;
  send(packet: Uint8Array): boolean;
  /** One Opus packet (a view into the RTP packet) and its RTP timestamp. */
  audio(packet: Uint8Array, timestamp: number): void;
}

export class AudioReceiver {
  readonly reception: TrackReception;
  packets = 0;
  readonly #o: AudioReceiverOptions;

  constructor(options: AudioReceiverOptions) {
    this.#o = options;
    this.reception = new TrackReception(options);
  }

  receive(bytes: Uint8Array, now: number): void {
    const rtp = this.reception.receive(bytes, now);
    if (!rtp) return;
    this.packets++;
    this.#o.audio(rtp.payload, rtp.timestamp);
  }

  tick(now: number): void {
    const report = this.reception.receiverReport(now);
    if (report) this.#o.send(report);
  }
}
