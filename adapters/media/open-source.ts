/** The source a `kvsrtc master` command line names (`--source`, `--audio`, `--fps`, `--loop`). */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { containerFormatOf, containerSniffBytes } from "../../core/container/container-format.ts";
import { annexBCodecOf } from "../../core/annexb/annex-b-codec.ts";
import { type VideoCodec, videoCodecName } from "../../core/media/video-codec.ts";
import { isVp8Keyframe } from "../../core/vp8/frame-header.ts";
import { parseIvfFileHeader } from "../../core/vp8/ivf.ts";
import { builtinSampleFiles } from "./builtin-sample-files.ts";
import { ContainerSource } from "./container-source.ts";
import { FileSource, listMediaFiles } from "./frame-files-source.ts";
import type { MediaSink, MediaSource, SourceWarn } from "./source.ts";
import { PictureParser } from "./picture-parser.ts";
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
  /**
   * The video's codec where its content cannot tell (a stream that starts with a slice, the
   * tool output format); content that says another is an error.
   */
  codec?: VideoCodec;
}

/** ffmpeg's output format for each codec, when it writes to our stdin. */
const ffmpegFormats: Record<VideoCodec, string> = { h264: "h264", h265: "hevc", vp8: "ivf" };

export function openSource(s: SourceSettings): MediaSource {
  const audio = s.audio === undefined ? undefined : openAudio(s.audio, s.loop ?? false, s.warn);
  if (s.audio === "-" && s.source === "-") {
    throw new Error("--source - and --audio - cannot both read stdin (mux them into one stream)");
  }
  const withAudio = (video: MediaSource) => audio ? both(video, audio, s.warn) : video;
  const codecOf = (what: string, found?: VideoCodec) => chosenCodec(what, found, s.codec);
  if (s.source === undefined) {
    codecOf("the built-in sample", "h264");
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
        codec: "h264",
      },
      audio: audio ? undefined : { files: pick("sample-"), description: "its Opus audio" },
      loop: s.loop ?? true,
      warn: s.warn,
    });
    return withAudio(sample);
  }
  // A live stream: Annex-B H.264 or H.265, VP8 in IVF, or a container with video and maybe
  // audio, told by its bytes.
  const liveVideo = (name: string, fps?: number): ChooseParser => (head, context) => {
    const format = containerFormatOf(head);
    if (format === "MP4") {
      return `${name} is an MP4 stream, which cannot be read as it arrives (write Matroska or ` +
        "MPEG-TS, or give an MP4 file as --source FILE)";
    }
    if (format === "Ogg") return `${name} is Ogg, not video (is it audio for --audio?)`;
    // Matroska block by block, as it arrives; MPEG-TS through mediabunny.
    if (format === "Matroska") return new LiveMatroskaParser(context, name, !audio);
    if (format && format !== "IVF") return new LiveContainerParser(context, name, format, !audio);
    try {
      const codec = codecOf(name, format === "IVF" ? "vp8" : annexBCodecOf(head));
      return new PictureParser(context, name, codec, fps);
    } catch (error) {
      return (error as Error).message;
    }
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
        videoCodec: s.codec,
      }),
    );
  }
  if (isTool(s.source)) {
    const tool = toolStream(s.source, "--source", ["-f", ffmpegFormats[s.codec ?? "h264"]]);
    return withAudio(
      new StreamSource(tool.description, tool.open, {
        name: tool.name,
        kind: "video",
        parser: liveVideo(tool.name),
        live: true,
        warn: s.warn,
        videoCodec: s.codec,
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
        codec: codecOf(`--source ${s.source}`, pictureFileCodec(head(files[0], 16))),
      },
      loop,
      warn: s.warn,
    });
    return withAudio(frames);
  }
  // What the file holds decides how it is read, whatever its name says.
  const fileHead = head(s.source, containerSniffBytes);
  const format = containerFormatOf(fileHead);
  if (format && format !== "IVF") {
    codecOf(`--source ${s.source}`, "h264");
    return withAudio(new ContainerSource(s.source, format, { loop, audio: !audio, warn: s.warn }));
  }
  const file = s.source;
  const codec = codecOf(`--source ${file}`, format === "IVF" ? "vp8" : annexBCodecOf(fileHead));
  // An IVF file is paced at its own frame rate, when its timebase is one.
  const fps = format === "IVF" ? ivfFrameRate(fileHead) ?? s.fps : s.fps;
  const what = format === "IVF" ? "the VP8 IVF file" : `the Annex-B ${videoCodecName[codec]} file`;
  return withAudio(
    new StreamSource(`${what} ${file} (${fps} fps)`, fileStream(file), {
      name: file,
      kind: "video",
      parser: (_, context) => new PictureParser(context, file, codec, fps),
      live: false,
      loop,
      warn: s.warn,
      videoCodec: codec,
    }),
  );
}

/**
 * The codec content says, checked against the one --codec names: H.264 when neither tells.
 * Throws when they differ.
 */
function chosenCodec(what: string, found?: VideoCodec, flag?: VideoCodec): VideoCodec {
  if (found && flag && found !== flag) {
    throw new Error(
      `${what} is ${videoCodecName[found]} by its content, not ${videoCodecName[flag]} ` +
        `(--codec ${flag})`,
    );
  }
  return found ?? flag ?? "h264";
}

/** What a picture file's first bytes say it is: an Annex-B access unit, or a VP8 key frame. */
function pictureFileCodec(head: Uint8Array): VideoCodec | undefined {
  return annexBCodecOf(head) ?? (isVp8Keyframe(head) ? "vp8" : undefined);
}

/** Frames a second of an IVF file whose timebase is 1/N with N from 1 to 240, else undefined. */
function ivfFrameRate(head: Uint8Array): number | undefined {
  const { timebaseDenominator: n, timebaseNumerator: d } = parseIvfFileHeader(head);
  const fps = n / d;
  return Number.isInteger(fps) && fps >= 1 && fps <= 240 ? fps : undefined;
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
    videoCodec: video.videoCodec,
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
