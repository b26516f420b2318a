/**
 * TEST ONLY: a bottleneck on the master's send path, installed from outside: each new viewer's
 * tracks get one BottleneckSend (core/rtp/bottleneck-send.ts) before its media starts, so
 * nothing in the master or the senders knows about it.
 */
import { BottleneckSend } from "../../core/rtp/bottleneck-send.ts";
import { timerTurns } from "../../core/media/send/pacer.ts";
import type { Master } from "./master.ts";

export interface TestBottleneck {
  /** The capacity of every viewer's bottleneck, now and for viewers joining later. */
  capacityBps: number;
  /** The bottleneck of each viewer that joined, by client id. */
  readonly viewers: Map<string, BottleneckSend>;
}

export function bottleneckViewers(
  master: Master,
  options: { capacityBps: number; delayMs: number; queueLimitMs: number },
): TestBottleneck {
  const viewers = new Map<string, BottleneckSend>();
  let capacityBps = options.capacityBps;
  master.on("viewerJoined", (clientId) => {
    const session = master.viewers.get(clientId);
    if (!session) return;
    const bottleneck = new BottleneckSend({
      ...options,
      capacityBps,
      now: () => performance.now(),
      schedule: timerTurns,
    });
    for (const { track } of session.senders.values()) {
      track.send = bottleneck.wrap(track.send.bind(track));
    }
    viewers.set(clientId, bottleneck);
    session.once("closed", () => bottleneck.stop());
  });
  return {
    viewers,
    get capacityBps() {
      return capacityBps;
    },
    set capacityBps(bps: number) {
      capacityBps = bps;
      for (const b of viewers.values()) b.capacityBps = bps;
    },
  };
}
