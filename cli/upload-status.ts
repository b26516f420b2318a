/** The producer's status line: what was sent, acknowledged and kept, and what is held. */
import type { PutMediaUploaderStats } from "../adapters/producer/put-media-uploader.ts";

export function formatUploadStatus(stats: PutMediaUploaderStats, kbitPerSecond?: number): string {
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  return [
    `fragments sent ${stats.fragmentsSent}, acknowledged ${stats.fragmentsAcknowledged}, ` +
    `persisted ${stats.fragmentsPersisted}`,
    ...(kbitPerSecond === undefined ? [] : [`${Math.round(kbitPerSecond)} kbit/s`]),
    `held ${stats.heldSeconds.toFixed(1)} s ${(stats.heldBytes / 1e6).toFixed(2)} MB`,
    `ack latency ${stats.ackLatencyMs === undefined ? "-" : `${stats.ackLatencyMs} ms`}`,
    ...(dropped > 0 ? [`${dropped} dropped`] : []),
    ...(stats.connections > 1 ? [`${stats.connections - 1} reconnects`] : []),
  ].join(" | ");
}
