/** The source a `kvsrtc master` command line names (`--source`, `--audio`, `--fps`, `--loop`). */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { containerFormatOf, containerSniffBytes } from "../../core/container/container-format.ts";
import { builtinSampleFiles } from "./builtin-sample-files.ts";
import { ContainerSource } from "./container-source.ts";
import { FileSource, listMediaFiles } from "./frame-files-source.ts";
import type { MediaSink, MediaSource, SourceWarn } from "./source.ts";
import { annexBFileSource, stdinSource, toolSource } from "./stream-source.ts";

export interface SourceSettings {
  /** undefined: the built-in sample; "-": stdin; "gst:..."/"ffmpeg:..."; a directory or file. */
  source?: string;
  /** Directory of Opus packet files. */
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
  const audio = s.audio === undefined ? undefined : {
    files: listMediaFiles(s.audio, /\.opus$/i),
    description: `Opus packets in ${s.audio}`,
  };
  if (audio && audio.files.length === 0) throw new Error(`--audio ${s.audio}: no .opus files`);
  const withAudio = (video: MediaSource) =>
    audio ? both(video, new FileSource({ audio, loop: s.loop ?? false, warn: s.warn })) : video;
  if (s.source === undefined) {
    const sample = builtinSampleFiles();
    const pick = (prefix: string) =>
      [...sample].filter(([name]) => name.startsWith(prefix)).map(([, p]) => p);
    const frames = pick("frame-");
    if (frames.length === 0) throw new Error("this build has no built-in sample media");
    return new FileSource({
      video: {
        files: frames,
        fps: s.fps,
        description: `the built-in sample (${frames.length} frames, ${s.fps} fps)`,
      },
      audio: audio ?? { files: pick("sample-"), description: "its Opus audio" },
      loop: s.loop ?? true,
      warn: s.warn,
    });
  }
  if (s.source === "-") {
    return withAudio(stdinSource({ fps: s.paceStdin ? s.fps : undefined, warn: s.warn }));
  }
  if (/^(gst|ffmpeg):/.test(s.source)) return withAudio(toolSource(s.source, s.warn));
  const loop = s.loop ?? false;
  if (statSync(s.source).isDirectory()) {
    const files = listMediaFiles(s.source);
    if (files.length === 0) throw new Error(`--source ${s.source}: the directory has no files`);
    return new FileSource({
      video: {
        files,
        fps: s.fps,
        description: `${files.length} frame files in ${s.source} (${s.fps} fps)`,
      },
      audio,
      loop,
      warn: s.warn,
    });
  }
  // What the file holds decides how it is read, whatever its name says.
  const format = containerFormatOf(head(s.source, containerSniffBytes));
  if (format) {
    return withAudio(new ContainerSource(s.source, format, { loop, audio: !audio, warn: s.warn }));
  }
  return withAudio(annexBFileSource(s.source, { fps: s.fps, loop, warn: s.warn }));
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

/** A video source with audio from another; it ends when the video does, and the audio with it. */
function both(video: MediaSource, audio: MediaSource): MediaSource {
  return {
    description: `${video.description} + ${audio.description}`,
    ended: video.ended.then((how) => {
      audio.stop();
      return how;
    }),
    start(sink: MediaSink) {
      video.start(sink);
      audio.start(sink);
    },
    stop() {
      video.stop();
      audio.stop();
    },
  };
}
