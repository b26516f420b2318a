/** Debian's ffmpeg, which tests use to make and to read media. */
import { execFileSync } from "node:child_process";

/** A skip reason when ffmpeg is not installed, else undefined. */
export function ffmpegMissing(): string | undefined {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "ffmpeg is not installed (Debian ffmpeg)";
  }
}

/** Runs ffmpeg quietly (errors only), overwriting its outputs. */
export function ffmpeg(...args: string[]): void {
  execFileSync("ffmpeg", ["-loglevel", "error", "-y", ...args], { stdio: "inherit" });
}

export interface ProbedStream {
  codec_name: string;
  width?: number;
  height?: number;
  /** Packets ffprobe read (a decimal string). */
  nb_read_packets: string;
}

/** ffprobe's view of a file's streams: codec, picture size and the packets it read. */
export function probeStreams(path: string): ProbedStream[] {
  const out = execFileSync("ffprobe", [
    "-v",
    "error",
    "-count_packets",
    "-of",
    "json",
    "-show_entries",
    "stream=codec_name,width,height,nb_read_packets",
    path,
  ], { encoding: "utf8" });
  return JSON.parse(out).streams;
}
