/**
 * A node-datachannel track carrying our own RTP (no libdatachannel packetizer or RTCP
 * handlers on it): packets go out with sendMessageBinary as they are; every packet that comes
 * in (RTP on a receiving track, raw RTCP on a sending one) reaches `onPacket`.
 */
import type { Track } from "node-datachannel";
import type { TrackKind } from "../../core/media/media-frame.ts";

export class MediaTrack {
  readonly kind: TrackKind;
  readonly payloadType: number;
  readonly clockRate: number;
  /** The transport-wide sequence number's extension id, when transport-cc was negotiated. */
  readonly transportCcId?: number;
  readonly #track: Track;

  constructor(
    track: Track,
    kind: TrackKind,
    payloadType: number,
    clockRate: number,
    transportCcId?: number,
  ) {
    this.#track = track;
    this.kind = kind;
    this.payloadType = payloadType;
    this.clockRate = clockRate;
    this.transportCcId = transportCcId;
  }

  /** The node-datachannel track itself (the benchmark's libdatachannel-packetizer baseline). */
  get native(): Track {
    return this.#track;
  }

  get isOpen(): boolean {
    return this.#track.isOpen();
  }

  /**
   * One RTP or RTCP packet; false when the track is closed or the transport refused it. No
   * isOpen() first: a closed track throws, and one native call per packet is the least.
   */
  send(packet: Uint8Array): boolean {
    try {
      return this.#track.sendMessageBinary(packet as Buffer);
    } catch {
      return false;
    }
  }

  /**
   * Closes the track and releases its callbacks. node-datachannel holds each callback given to
   * a track (onOpen, onMessage) as a strong reference until the track itself is closed, which
   * closing the peer connection does not do: without this, every closed session stays reachable
   * from its tracks' callbacks.
   */
  close(): void {
    try {
      this.#track.close();
    } catch { /* closed already */ }
  }

  onOpen(callback: () => void): void {
    this.#track.onOpen(callback);
  }

  onClosed(callback: () => void): void {
    this.#track.onClosed(callback);
  }

  onPacket(callback: (packet: Uint8Array) => void): void {
    // A Buffer is a Uint8Array already: no view of our own (one object less per packet).
    this.#track.onMessage(callback);
  }
}
