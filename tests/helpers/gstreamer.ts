/** Debian's GStreamer (gst-launch-1.0 and the elements the live-source tests use). */
import { execFileSync } from "node:child_process";

const elements = ["videotestsrc", "x264enc", "audiotestsrc", "opusenc", "oggmux", "matroskamux"];

/** A skip reason when gst-launch-1.0 or one of the elements is missing, else undefined. */
export function gstreamerMissing(): string | undefined {
  try {
    execFileSync("gst-launch-1.0", ["--version"], { stdio: "ignore" });
    for (const element of elements) {
      execFileSync("gst-inspect-1.0", ["--exists", element], { stdio: "ignore" });
    }
    return undefined;
  } catch {
    return `GStreamer (gst-launch-1.0 and ${elements.join(", ")}) is not installed`;
  }
}
