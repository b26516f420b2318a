/** The source a `kvsrtc master` command line names (`--source`, `--audio`, `--fps`, `--loop`). */
import { statSync } from "node:fs";
import { builtinSampleFiles } from "./builtin-sample-files.ts";
import { FileSource, listMediaFiles } from "./frame-files-source.ts";
import type { MediaSource } from "./source.ts";
import { stdinSource, toolSource } from "./stream-source.ts";

export interface SourceSettings {
  /** undefined: the built-in sample; "-": stdin; "gst:..."/"ffmpeg:..."; a directory or file. */
  source?: string;
  /** Directory of Opus packet files. */
  audio?: string;
  fps: number;
  /** Defaults to true for the built-in sample, false otherwise. */
  loop?: boolean;
}

export function openSource(s: SourceSettings): MediaSource {
  const audio = s.audio === undefined ? undefined : {
    files: listMediaFiles(s.audio, /\.opus$/i),
    description: `Opus packets in ${s.audio}`,
  };
  if (audio && audio.files.length === 0) throw new Error(`--audio ${s.audio}: no .opus files`);
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
    });
  }
  if (s.source === "-") return stdinSource();
  if (/^(gst|ffmpeg):/.test(s.source)) return toolSource(s.source);
  const isDirectory = statSync(s.source).isDirectory();
  const files = isDirectory ? listMediaFiles(s.source) : [s.source];
  if (files.length === 0) throw new Error(`--source ${s.source}: the directory has no files`);
  return new FileSource({
    video: {
      files,
      fps: s.fps,
      description: isDirectory
        ? `${files.length} frame files in ${s.source} (${s.fps} fps)`
        : `the Annex-B file ${s.source} (${s.fps} fps)`,
    },
    audio,
    loop: s.loop ?? false,
  });
}
