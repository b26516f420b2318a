/** What a child process holds in memory, read from Linux's /proc as the tests sample it. */
import { readFileSync } from "node:fs";

/** The process's resident set size in bytes (VmRSS); undefined once it has exited. */
export function residentBytes(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export interface ResidentSampler {
  /** The highest RSS seen so far, in bytes. */
  readonly peakBytes: number;
  readonly samples: number;
  stop(): void;
}

/** Reads the process's RSS every `intervalMs` until stopped (or the process is gone). */
export function sampleResident(pid: number, intervalMs = 250): ResidentSampler {
  let peakBytes = 0;
  let samples = 0;
  const read = () => {
    const bytes = residentBytes(pid);
    if (bytes === undefined) return;
    samples++;
    peakBytes = Math.max(peakBytes, bytes);
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    get peakBytes() {
      return peakBytes;
    },
    get samples() {
      return samples;
    },
    stop: () => clearInterval(timer),
  };
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
