/**
 * H.265 and VP8 test streams, made with Debian ffmpeg (libx265, libvpx) when first asked for,
 * in a temporary directory removed once they are read: nothing is committed. Each test file that
 * uses them skips with `codecStreamsMissing()`'s reason when ffmpeg or an encoder is absent.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ffmpeg } from "../../helpers/ffmpeg.ts";

/** What the streams are made of: the size asked for, frames, and a keyframe every `gop`. */
export const codecStream = { width: 320, height: 180, frames: 45, gop: 15 } as const;

/** A skip reason when ffmpeg cannot encode H.265 and VP8 here, else undefined. */
export function codecStreamsMissing(): string | undefined {
  try {
    const encoders = execFileSync("ffmpeg", ["-hide_banner", "-encoders"], { encoding: "utf8" });
    if (!/libx265/.test(encoders) || !/\blibvpx\b/.test(encoders)) {
      return "this ffmpeg has no libx265 or libvpx encoder";
    }
    return undefined;
  } catch {
    return "ffmpeg is not installed (Debian ffmpeg)";
  }
}

const made = new Map<string, Uint8Array>();

/** Runs ffmpeg on the test source (or on `input`, given on stdin) into `name`. */
function make(name: string, encoder: string[], input?: Uint8Array): Uint8Array {
  let bytes = made.get(name);
  if (bytes) return bytes;
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-codecs-"));
  try {
    const { width, height, frames } = codecStream;
    const path = join(dir, name);
    if (input) {
      execFileSync("ffmpeg", ["-loglevel", "error", "-y", ...encoder, path], { input });
    } else {
      const source = `testsrc2=size=${width}x${height}:rate=30`;
      ffmpeg("-f", "lavfi", "-i", source, "-frames:v", String(frames), ...encoder, path);
    }
    bytes = new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  made.set(name, bytes);
  return bytes;
}

/**
 * An H.265 Annex-B stream without B-frames, as a camera sends (x265 writes VPS, SPS and PPS
 * once, before the first picture).
 */
export function h265Stream(): Uint8Array {
  const gop = codecStream.gop;
  return make("stream.h265", [
    "-c:v",
    "libx265",
    "-x265-params",
    `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0:log-level=error`,
    "-f",
    "hevc",
  ]);
}

/** A VP8 stream in IVF. */
export function vp8Ivf(): Uint8Array {
  const gop = String(codecStream.gop);
  return make("stream.ivf", [
    "-c:v",
    "libvpx",
    "-g",
    gop,
    "-keyint_min",
    gop,
    "-b:v",
    "400k",
    "-f",
    "ivf",
  ]);
}

/** The hvcC record ffmpeg writes when it puts `h265Stream()` in an MP4 file. */
export function ffmpegHvcC(): Uint8Array {
  const mp4 = make("stream.mp4", ["-f", "hevc", "-i", "-", "-c", "copy"], h265Stream());
  const at = new TextDecoder("latin1").decode(mp4).indexOf("hvcC");
  if (at < 4) throw new Error("ffmpeg's MP4 has no hvcC box");
  const size = new DataView(mp4.buffer, mp4.byteOffset).getUint32(at - 4);
  return mp4.subarray(at + 4, at - 4 + size);
}
