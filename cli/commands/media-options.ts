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
import { liveStallMs } from "../../adapters/media/stream-source.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import type { MediaSource } from "../../adapters/media/source.ts";
import type { Log } from "../../core/log.ts";

/** Opens the source the flags of `sourceOptions` name; a bad one is one line for the user. */
export function openSourceFlags(values: Values, log: Log): MediaSource {
  const fps = numberFlag(values, "fps", 30, 1, 240, false)!;
  try {
    return openSource({
      source: values.source as string | undefined,
      audio: values.audio as string | undefined,
      fps,
      paceStdin: values.fps !== undefined,
      loop: values.loop === true ? true : undefined,
      warn: (message) => log.warn(message),
    });
  } catch (error) {
    throw new UserError(`cannot open the source: ${(error as Error).message}`);
  }
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
    help: "a directory of access-unit files (sorted by name); a file: MP4/MOV, Matroska/WebM " +
      "or MPEG-TS (its H.264 video and Opus audio, at the file's own timestamps) or Annex-B " +
      "H.264, told apart by content; - (stdin) or gst:PIPELINE or ffmpeg:ARGS (their stdout): " +
      "a live stream, sent as it arrives, of Matroska/WebM or MPEG-TS (both tracks at the " +
      "container's timestamps) or Annex-B H.264, which has no timestamps: each access unit is " +
      "timed by when its last byte arrived (or at --fps, for stdin, if given); a live stream " +
      `silent for ${liveStallMs / 1000} s is reported, and goes on when it comes back; ` +
      "default: the built-in sample",
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
