/**
 * The master's bandwidth status line: what its viewers' estimates say they can take, beside
 * the bitrate they are weighed against: the one the source's own arguments name when kvsrtc
 * spawned it with one, else the stream's bitrate as the broadcast measures it.
 */
import type { DeclaredBitrate } from "../core/media/source-bitrate.ts";
import { bitrateText } from "./metrics-output.ts";

/**
 * `estimatesBps`: one per viewer that has an estimate; `streamBps`: the measured bitrate
 * (NaN while not known). Undefined with no estimate: nothing to say.
 */
export function formatBandwidthStatus(
  estimatesBps: readonly number[],
  streamBps: number,
  declared: DeclaredBitrate | undefined,
): string | undefined {
  if (estimatesBps.length === 0) return undefined;
  const sorted = [...estimatesBps].sort((a, b) => a - b);
  const [low, high] = [sorted[0], sorted[sorted.length - 1]];
  const range = low === high ? bitrateText(low) : `${(low / 1e6).toFixed(2)}-${bitrateText(high)}`;
  const viewers = sorted.length === 1 ? "1 viewer" : `${sorted.length} viewers`;
  const against = declared
    ? `source ${bitrateText(declared.bps)} (${declared.from})`
    : Number.isNaN(streamBps)
    ? "stream bitrate not measured yet"
    : `stream ${bitrateText(streamBps)} (measured: the source names no bitrate)`;
  const reference = declared?.bps ?? streamBps;
  const below = sorted.filter((bps) => bps < reference).length;
  return `bandwidth: ${viewers} can take ${range}; ${against}` +
    (below > 0 ? `; ${below} below it` : "");
}
