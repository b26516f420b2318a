/**
 * The storage peer's signaling: an in-process client of the relay, so its messages are routed,
 * bounded and rate-limited exactly as a WebSocket client's are. What it sends is the text frame
 * a client would send; what the relay sends it is decoded as a client decodes the service's.
 */
import { EventEmitter } from "node:events";
import {
  decodeSignalingFrame,
  encodeSignalingMessage,
  type IceCandidate,
  type OutgoingMessage,
  type SessionDescription,
} from "../../../core/aws/signaling-messages.ts";
import type { PeerSignalingEvents } from "../../../core/signaling/peer-signaling.ts";
import type {
  SignalingConnection,
  SignalingSocket,
} from "../../../core/local-endpoint/signaling-relay.ts";

export class RelaySignaling extends EventEmitter<PeerSignalingEvents & { closed: [] }>
  implements SignalingSocket {
  readonly #connection: SignalingConnection;
  #closed = false;

  /**
   * Opens `connection` (admitted by the relay as STORAGE or FORWARD) with this as its socket;
   * `screen` refuses messages to it before they arrive (SignalingConnection.screen).
   */
  constructor(connection: SignalingConnection, screen?: SignalingConnection["screen"]) {
    super();
    this.#connection = connection;
    connection.screen = screen;
    connection.open(this);
  }

  sendSdpOffer(offer: SessionDescription): void {
    this.#send({ action: "SDP_OFFER", payload: offer });
  }

  sendSdpAnswer(answer: SessionDescription): void {
    this.#send({ action: "SDP_ANSWER", payload: answer });
  }

  sendIceCandidate(candidate: IceCandidate): void {
    this.#send({ action: "ICE_CANDIDATE", payload: candidate });
  }

  /** The relay's side of the socket: one event for this client. */
  send(text: string): void {
    if (this.#closed) return;
    const decoded = decodeSignalingFrame(text);
    if (!("event" in decoded)) return;
    const event = decoded.event;
    if (event.type === "SDP_OFFER") this.emit("sdpOffer", event.description, undefined);
    else if (event.type === "SDP_ANSWER") this.emit("sdpAnswer", event.description, undefined);
    else if (event.type === "ICE_CANDIDATE") this.emit("iceCandidate", event.candidate, undefined);
    // GO_AWAY (the endpoint stops, the channel is deleted): the session ends with its socket.
    else if (event.type === "GO_AWAY") this.close();
  }

  /** Nothing waits unread: events are handled as they are sent. */
  bufferedAmount(): number {
    return 0;
  }

  /** Closed by the relay (a newer storage session, a bound) or by the storage session. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.closed();
    this.emit("closed");
  }

  #send(message: OutgoingMessage) {
    if (!this.#closed) this.#connection.receive(encodeSignalingMessage(message));
  }
}
