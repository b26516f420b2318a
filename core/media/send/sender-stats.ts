/** What a track's sender counts; each stage of the chain fills its own fields of one object. */
export interface TrackSenderStats {
  packetsSent: number;
  /** Payload octets sent (what sender reports count). */
  octetsSent: number;
  framesSent: number;
  /** Frames skipped to get back on a keyframe (a slow or failing transport). */
  framesSkipped: number;
  /** Frames not sent while the viewer got keyframes only (its bandwidth could not take them). */
  framesHeldBack: number;
  retransmissions: number;
  /** NACKed packets no longer held. */
  retransmissionsMissed: number;
  nacks: number;
  keyframeRequests: number;
  keyframeRestarts: number;
  /** From the viewer's newest receiver report about this track. */
  fractionLost?: number;
  cumulativeLost?: number;
  jitter?: number;
  roundTripMs?: number;
  /** Bits per second, from the viewer's newest REMB naming this track. */
  rembBitrate?: number;
}

export function newSenderStats(): TrackSenderStats {
  return {
    packetsSent: 0,
    octetsSent: 0,
    framesSent: 0,
    framesSkipped: 0,
    framesHeldBack: 0,
    retransmissions: 0,
    retransmissionsMissed: 0,
    nacks: 0,
    keyframeRequests: 0,
    keyframeRestarts: 0,
  };
}
