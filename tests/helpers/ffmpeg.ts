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
