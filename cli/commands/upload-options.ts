/** The upload flags `producer` and `master --stream` share, and the stream they name. */
import type { Options, Values } from "../command.ts";
import { UsageError } from "../command.ts";
import { connecting, numberFlag } from "./media-options.ts";
import { kvsClientFor, type KvsTarget } from "../../adapters/aws/mod.ts";
import { StreamApi, type StreamInfo } from "../../adapters/producer/stream-api.ts";
import type { PutMediaUploaderOptions } from "../../adapters/producer/put-media-uploader.ts";
import { defaultMaxFragmentMs, defaultMinFragmentMs } from "../../core/producer/fragmenter.ts";
import { defaultBufferSeconds } from "../../core/producer/upload-window.ts";
import type { Log } from "../../core/log.ts";
import type { UploadTimer } from "../../core/metrics/upload-timer.ts";

/** The retention of a stream --create-stream makes, unless --retention-hours says otherwise. */
const defaultRetentionHours = 24;

/** The longest fragment AWS accepts (4002 past it). */
const maxFragmentMs = 10_000;

/**
 * How long a stop waits for the last fragment's acknowledgement: under the 5 s after which a
 * stop signal ends the process anyway (cli/stop-signal.ts), with room to spare.
 */
export const uploadStopGraceMs = 2_500;

const streamNamePattern = /^[a-zA-Z0-9_.-]{1,256}$/;

export const uploadOptions: Options = {
  "create-stream": { type: "boolean", help: "create the stream when it does not exist" },
  "retention-hours": {
    type: "string",
    arg: "N",
    help: `retention of a stream --create-stream makes (default ${defaultRetentionHours}; ` +
      "0 keeps nothing)",
  },
  "fragment-ms": {
    type: "string",
    arg: "N",
    help: `longest fragment, ms (default ${defaultMaxFragmentMs}; fragments start at keyframes)`,
  },
  "buffer-seconds": {
    type: "string",
    arg: "N",
    help: `media held while unacknowledged (default ${defaultBufferSeconds}); past it the ` +
      "oldest fragments are dropped and reported",
  },
};

export interface UploadSettings {
  streamName: string;
  create: boolean;
  retentionHours: number;
  maxFragmentMs: number;
  bufferSeconds: number;
}

/** The upload flags, checked; undefined when `--stream` is absent and not `required`. */
export function uploadSettings(values: Values, required: boolean): UploadSettings | undefined {
  const name = values.stream as string | undefined;
  if (name === undefined) {
    if (required) throw new UsageError("--stream NAME is required");
    return undefined;
  }
  if (!streamNamePattern.test(name)) {
    throw new UsageError(
      `--stream "${name}" is not a valid stream name (1-256 of a-z A-Z 0-9 _ . -)`,
    );
  }
  return {
    streamName: name,
    create: values["create-stream"] === true,
    retentionHours: numberFlag(values, "retention-hours", defaultRetentionHours, 0, 87_600)!,
    maxFragmentMs: numberFlag(
      values,
      "fragment-ms",
      defaultMaxFragmentMs,
      defaultMinFragmentMs + 1,
      maxFragmentMs,
    )!,
    bufferSeconds: numberFlag(values, "buffer-seconds", defaultBufferSeconds, 1, 3_600)!,
  };
}

/**
 * Gets the credentials and describes the stream, timing both (the upload's first phases),
 * creating it when asked (always on the embedded endpoint, which starts
 * empty, as a master makes its channel); a KVS failure is one line for the user.
 */
export async function openStream(
  target: KvsTarget,
  settings: UploadSettings,
  log: Log,
  timer: UploadTimer,
): Promise<StreamInfo> {
  timer.start("getCredentials");
  await connecting(target, () => target.credentials.get());
  timer.end("getCredentials");
  const create = settings.create || target.kind === "embedded";
  timer.start("describeStream");
  const stream = await connecting(
    target,
    () =>
      new StreamApi(kvsClientFor(target, log).options).describeOrCreate(
        settings.streamName,
        create ? { retentionHours: settings.retentionHours } : undefined,
      ),
  );
  timer.end("describeStream");
  return stream;
}

/** Where the embedded endpoint's recordings page plays the stream. */
export function recordingsUrl(target: KvsTarget, streamName: string): string {
  return new URL(`/recordings?stream=${encodeURIComponent(streamName)}`, target.controlPlaneUrl)
    .href;
}

/**
 * The uploader's options the flags give: the stream, its fragments and buffer, and whether it
 * carries Opus (surely with --audio or the built-in sample, whose audio may come a moment after
 * the first keyframe; else the uploader looks at the ring); and the warning, once, when Opus
 * goes to AWS.
 */
export function uploaderOptions(
  values: Values,
  settings: UploadSettings,
  stream: StreamInfo,
  target: KvsTarget,
  log: Log,
): Omit<PutMediaUploaderOptions, "target" | "broadcast" | "log"> {
  return {
    stream,
    audio: values.audio !== undefined || values.source === undefined ? true : undefined,
    maxFragmentMs: settings.maxFragmentMs,
    bufferSeconds: settings.bufferSeconds,
    onStart: (withAudio) => {
      if (withAudio && target.kind === "aws") {
        log.warn(
          "uploading Opus audio: AWS's HLS and console players do not play Opus (GetMedia " +
            "gives it back as sent)",
        );
      }
    },
  };
}
