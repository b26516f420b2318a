/**
 * TEST ONLY: loss on the master's video, installed from outside. Each new viewer's video track
 * gets a lossy send (core/rtp/lossy-send.ts) before its media starts, so nothing in the master
 * or the sender knows about it.
 */
import { LossySend } from "../../core/rtp/lossy-send.ts";
import type { Master } from "./master.ts";

export interface TestLoss {
  /** Video RTP packets dropped so far, over every viewer. */
  readonly dropped: number;
}

export function dropVideoRtp(
  master: Master,
  shouldDrop: (clientId: string, sequenceNumber: number) => boolean,
): TestLoss {
  const loss = { dropped: 0 };
  master.on("viewerJoined", (clientId) => {
    const track = master.viewers.get(clientId)?.senders.get("video")?.track;
    if (!track) return;
    track.send = new LossySend(track.send.bind(track), (seq) => {
      const drop = shouldDrop(clientId, seq);
      if (drop) loss.dropped++;
      return drop;
    }).send;
  });
  return loss;
}
