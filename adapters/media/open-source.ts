/** The source a `kvsrtc master` command line names (`--source`, `--audio`, `--fps`, `--loop`). */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { containerFormatOf, containerSniffBytes } from "../../core/container/container-format.ts";
import { builtinSampleFiles } from "./builtin-sample-files.ts";
import { ContainerSource } from "./container-source.ts";
import { FileSource, listMediaFiles } from "./frame-files-source.ts";
import type { MediaSink, MediaSource, SourceWarn } from "./source.ts";
import { AnnexBParser } from "./annex-b-parser.ts";
import { LiveContainerParser } from "./live-container-parser.ts";
import { LiveMatroskaParser } from "./live-matroska-parser.ts";
import { OggOpusParser } from "./ogg-opus-parser.ts";
import {
  type ChooseParser,
  fileStream,
  type OpenStream,
  stdinStream,
  StreamSource,
  toolStream,
} from "./stream-source.ts";

export interface SourceSettings {
  /** undefined: the built-in sample; "-": stdin; "gst:..."/"ffmpeg:..."; a directory or file. */
  source?: string;
  /** A directory of Opus packet files; "-": Ogg Opus on stdin; "gst:..."/"ffmpeg:..." */
  audio?: string;
  /** Frame rate of file sources, and of stdin when `paceStdin`; a container has its own. */
  fps: number;
  /** Send stdin at `fps` (a recording piped in) rather than as it comes (a live camera). */
  paceStdin?: boolean;
  /** Defaults to true for the built-in sample, false otherwise. */
  loop?: boolean;
  /** Told of frames a source skips and goes on without (too large, malformed). */
  warn?: SourceWarn;
}

export function openSource(s: SourceSettings): MediaSource {
  const audio = s.audio === undefined ? undefined : openAudio(s.audio, s.loop ?? false, s.warn);
  if (s.audio === "-" && s.source === "-") {
    throw new Error("--source - and --audio - cannot both read stdin (mux them into one stream)");
  }
  const withAudio = (video: MediaSource) => audio ? both(video, audio, s.warn) : video;
  if (s.source === undefined) {
    const files = builtinSampleFiles();
    const pick = (prefix: string) =>
      [...files].filter(([name]) => name.startsWith(prefix)).map(([, p]) => p);
    const frames = pick("frame-");
    if (frames.length === 0) throw new Error("this build has no built-in sample media");
    const sample = new FileSource({
      video: {
        files: frames,
        fps: s.fps,
        description: `the built-in sample (${frames.length} frames, ${s.fps} fps)`,
      },
      audio: audio ? undefined : { files: pick("sample-"), description: "its Opus audio" },
      loop: s.loop ?? true,
      warn: s.warn,
    });
    return withAudio(sample);
  }
  // A live stream: Annex-B H.264, or a container with video and maybe audio, told by its bytes.
  const liveVideo = (name: string, fps?: number): ChooseParser => (head, context) => {
    const format = containerFormatOf(head);
    if (format === "MP4") {
      return `${name} is an MP4 stream, which cannot be read as it arrives (write Matroska or ` +
        "MPEG-TS, or give an MP4 file as --source FILE)";
    }
    if (format === "Ogg") return `${name} is Ogg, not video (is it audio for --audio?)`;
    // Matroska block by block, as it arrives; MPEG-TS through mediabunny.
    if (format === "Matroska") return new LiveMatroskaParser(context, name, !audio);
    return format
      ? new LiveContainerParser(context, name, format, !audio)
      : new AnnexBParser(context, name, fps);
  };
  if (s.source === "-") {
    const fps = s.paceStdin ? s.fps : undefined;
    return withAudio(
      new StreamSource(`the stream on stdin${fps ? ` (${fps} fps)` : ""}`, stdinStream, {
        name: "stdin",
        kind: "video",
        parser: liveVideo("stdin", fps),
        live: true,
        warn: s.warn,
      }),
    );
  }
  if (isTool(s.source)) {
    const tool = toolStream(s.source, "--source", ["-f", "h264"]);
    return withAudio(
      new StreamSource(tool.description, tool.open, {
        name: tool.name,
        kind: "video",
        parser: liveVideo(tool.name),
        live: true,
        warn: s.warn,
      }),
    );
  }
  const loop = s.loop ?? false;
  if (statSync(s.source).isDirectory()) {
    const files = listMediaFiles(s.source);
    if (files.length === 0) throw new Error(`--source ${s.source}: the directory has no files`);
    const frames = new FileSource({
      video: {
        files,
        fps: s.fps,
        description: `${files.length} frame files in ${s.source} (${s.fps} fps)`,
      },
      loop,
      warn: s.warn,
    });
    return withAudio(frames);
  }
  // What the file holds decides how it is read, whatever its name says.
  const format = containerFormatOf(head(s.source, containerSniffBytes));
  if (format) {
    return withAudio(new ContainerSource(s.source, format, { loop, audio: !audio, warn: s.warn }));
  }
  const file = s.source;
  return withAudio(
    new StreamSource(`the Annex-B file ${file} (${s.fps} fps)`, fileStream(file), {
      name: file,
      kind: "video",
      parser: (_, context) => new AnnexBParser(context, file, s.fps),
      live: false,
      loop,
      warn: s.warn,
    }),
  );
}

const isTool = (spec: string) => /^(gst|ffmpeg):/.test(spec);

/** `--audio`: a directory of Opus packet files, or Ogg Opus from stdin or a tool, live. */
function openAudio(spec: string, loop: boolean, warn?: SourceWarn): MediaSource {
  const live = (description: string, open: OpenStream, name: string) =>
    new StreamSource(description, open, {
      name,
      kind: "audio",
      parser: (_, context) => new OggOpusParser(context, name),
      live: true,
      warn,
    });
  if (spec === "-") return live("Ogg Opus on stdin", stdinStream, "stdin");
  if (isTool(spec)) {
    const tool = toolStream(spec, "--audio", ["-f", "ogg"]);
    return live(tool.description, tool.open, tool.name);
  }
  const files = listMediaFiles(spec, /\.opus$/i);
  if (files.length === 0) throw new Error(`--audio ${spec}: no .opus files`);
  return new FileSource({ audio: { files, description: `Opus packets in ${spec}` }, loop, warn });
}

/** The first `length` bytes of a file (fewer if it is shorter). */
function head(file: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const fd = openSync(file, "r");
  try {
    return bytes.subarray(0, readSync(fd, bytes, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * A video source with audio from another; it ends when the video does, and the audio with it.
 * Audio that ends first (a tool that exits) is told as a warning; the video goes on.
 */
function both(video: MediaSource, audio: MediaSource, warn?: SourceWarn): MediaSource {
  let stopped = false;
  audio.ended.then((how) => stopped || warn?.(`${how}; the video goes on without audio`));
  return {
    description: `${video.description} + ${audio.description}`,
    ended: video.ended.then((how) => {
      stopped = true;
      audio.stop();
      return how;
    }),
    start(sink: MediaSink) {
      video.start(sink);
      audio.start(sink);
    },
    stop() {
      stopped = true;
      video.stop();
      audio.stop();
    },
  };
}
