/** Flags and checks the master, viewer and producer commands share. */
import type { Options, Values } from "../command.ts";
import { UsageError, UserError } from "../command.ts";
import {
  kvsFailureMessage,
  type KvsTarget,
  openSignaling,
  type OpenSignalingOptions,
  type SignalingSession,
} from "../../adapters/aws/mod.ts";
import { liveStallMs, maxLiveBytesPerSecond } from "../../adapters/media/stream-source.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import type { MediaSource } from "../../adapters/media/source.ts";
import type { Log } from "../../core/log.ts";
import { parseVideoCodec, type VideoCodec } from "../../core/media/video-codec.ts";

/** Opens the source the flags of `sourceOptions` name; a bad one is one line for the user. */
export function openSourceFlags(values: Values, log: Log): MediaSource {
  const fps = numberFlag(values, "fps", 30, 1, 240, false)!;
  const codec = codecFlag(values);
  try {
    return openSource({
      source: values.source as string | undefined,
      audio: values.audio as string | undefined,
      fps,
      paceStdin: values.fps !== undefined,
      loop: values.loop === true ? true : undefined,
      warn: (message) => log.warn(message),
      codec,
    });
  } catch (error) {
    throw new UserError(`cannot open the source: ${(error as Error).message}`);
  }
}

/** `--codec h264|h265|vp8`, when given. */
function codecFlag(values: Values): VideoCodec | undefined {
  const text = values.codec as string | undefined;
  if (text === undefined) return undefined;
  const codec = parseVideoCodec(text);
  if (!codec) throw new UsageError(`--codec "${text}" must be h264, h265 or vp8`);
  return codec;
}

export const bindAddressOption: Options = {
  "bind-address": {
    type: "string",
    arg: "ADDRESS",
    help: "local address for WebRTC (ICE) sockets (default: 127.0.0.1 against a loopback " +
      "endpoint, else all)",
  },
};

/** What master and producer send: `--source`, `--audio`, `--fps`, `--loop`. */
export const sourceOptions: Options = {
  source: {
    type: "string",
    arg: "SOURCE",
    help: "a directory of picture files, one each, sorted by name: H.264 or H.265 access " +
      "units (Annex-B) or raw VP8 frames (as ffmpeg -f image2 -c:v copy writes them); a file: " +
      "MP4/MOV, Matroska/WebM or MPEG-TS (its H.264 video and Opus audio, at the file's own " +
      "timestamps), VP8 in IVF (at its own frame rate), or Annex-B H.264 or H.265, told apart " +
      "by content; - (stdin) or gst:PIPELINE or ffmpeg:ARGS (their stdout): a live stream, " +
      "sent as it arrives, of Matroska/WebM or MPEG-TS (both tracks at the container's " +
      "timestamps), IVF, or Annex-B H.264 or H.265, which has no timestamps: each picture is " +
      "timed by when its last byte arrived (or at --fps, for stdin, if given); a live stream " +
      `silent for ${liveStallMs / 1000} s is reported, and goes on when it comes back; it ` +
      `is read at most at ${maxLiveBytesPerSecond / 2 ** 20} MiB/s (a camera sends far less); ` +
      "default: the built-in sample (H.264)",
  },
  codec: {
    type: "string",
    arg: "CODEC",
    help: "h264, h265 or vp8: the source's video codec where its content cannot tell (a " +
      "stream that starts with a slice); for ffmpeg:ARGS, the format asked for (-f h264, " +
      "-f hevc or -f ivf -, unless the arguments end in - or pipe:1); content that says " +
      "another codec is an error",
  },
  audio: {
    type: "string",
    arg: "AUDIO",
    help: "a directory of Opus packet files (*.opus); or live Ogg Opus from - (stdin), " +
      "gst:PIPELINE (... ! opusenc ! oggmux) or ffmpeg:ARGS (-c:a libopus; -f ogg - is " +
      "added unless they end in - or pipe:1), sent as it arrives; replaces a container's own audio",
  },
  fps: {
    type: "string",
    arg: "N",
    help: "frame rate of frame directories and Annex-B files (default 30), and of stdin " +
      "when given",
  },
  loop: {
    type: "boolean",
    help: "start file sources (directories, Annex-B and container files) over at their end " +
      "(always for the sample)",
  },
};

/** A number flag within [min, max]; `fallback` when absent. */
export function numberFlag(
  values: Values,
  flag: string,
  fallback: number | undefined,
  min: number,
  max: number,
  integer = true,
): number | undefined {
  const text = values[flag] as string | undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} "${text}" must be ${
        integer ? "a whole number" : "a number"
      } from ${min} to ${max}`,
    );
  }
  return n;
}

/** Runs what connects to the target; a KVS failure closes it and becomes one line for the user. */
export async function connecting<T>(target: KvsTarget, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await target.close();
    throw new UserError(kvsFailureMessage(error) ?? (error as Error).message);
  }
}

/** Opens signaling on the target; a KVS failure becomes one line for the user. */
export function openChannel(
  target: KvsTarget,
  options: Omit<OpenSignalingOptions, "target">,
): Promise<SignalingSession> {
  return connecting(target, () => openSignaling({ target, ...options }));
}
