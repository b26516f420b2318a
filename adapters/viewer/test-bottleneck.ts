/**
 * TEST ONLY: a bottleneck on a viewer's receive path, for a master kvsrtc does not run (a
 * browser): what arrives on the viewer's tracks goes through one BottleneckSend
 * (core/rtp/bottleneck-send.ts) before the receive chain sees it, so the viewer's transport-cc
 * feedback reports the bottleneck's queueing and drops to the master.
 */
import { BottleneckSend } from "../../core/rtp/bottleneck-send.ts";
import { timerTurns } from "../../core/media/send/pacer.ts";
import type { PacketIntake } from "./viewer-client.ts";

export function bottleneckArrivals(
  options: { capacityBps: number; delayMs: number; queueLimitMs: number },
): { bottleneck: BottleneckSend; arrivals: (deliver: PacketIntake) => PacketIntake } {
  const bottleneck = new BottleneckSend({
    ...options,
    now: () => performance.now(),
    schedule: timerTurns,
  });
  return {
    bottleneck,
    arrivals(deliver) {
      const video = bottleneck.wrap((p) => (deliver("video", p), true));
      const audio = bottleneck.wrap((p) => (deliver("audio", p), true));
      return (track, packet) => void (track === "video" ? video : audio)(packet);
    },
  };
}
