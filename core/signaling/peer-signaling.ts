/**
 * What a master or a viewer needs of signaling, and nothing more: the three sends and the
 * three events. The KVS WebSocket client is one implementation; the local endpoint can drive
 * an in-process peer (its storage peer) through its relay with another, and the same master
 * and viewer code runs on both.
 */
import type { IceCandidate, SessionDescription } from "../aws/signaling-messages.ts";

export interface PeerSignalingEvents {
  /** `senderClientId` is absent for the storage session's media server (and for a master). */
  sdpOffer: [description: SessionDescription, senderClientId: string | undefined];
  sdpAnswer: [description: SessionDescription, senderClientId: string | undefined];
  iceCandidate: [candidate: IceCandidate, senderClientId: string | undefined];
}

type Listener<E extends keyof PeerSignalingEvents> = (...args: PeerSignalingEvents[E]) => void;

export interface PeerSignaling {
  /**
   * No recipient: to the master (a viewer's send) or to the storage peer (a master's). With a
   * correlation id, a message the service refuses comes back as a STATUS_RESPONSE.
   */
  sendSdpOffer(offer: SessionDescription, recipientClientId?: string): void;
  sendSdpAnswer(
    answer: SessionDescription,
    recipientClientId?: string,
    correlationId?: string,
  ): void;
  sendIceCandidate(
    candidate: IceCandidate,
    recipientClientId?: string,
    correlationId?: string,
  ): void;
  // One signature per event (not one generic): an EventEmitter's typed `on` is assignable to
  // each of them.
  on(event: "sdpOffer", listener: Listener<"sdpOffer">): unknown;
  on(event: "sdpAnswer", listener: Listener<"sdpAnswer">): unknown;
  on(event: "iceCandidate", listener: Listener<"iceCandidate">): unknown;
  off(event: "sdpOffer", listener: Listener<"sdpOffer">): unknown;
  off(event: "sdpAnswer", listener: Listener<"sdpAnswer">): unknown;
  off(event: "iceCandidate", listener: Listener<"iceCandidate">): unknown;
}
