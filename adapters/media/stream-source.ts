/**
 * Video from an Annex-B byte stream: an .h264 file, stdin (`--source -`, what `rpicam-vid -o -`
 * or ffmpeg write) or the stdout of a tool kvsrtc starts (`gst:PIPELINE`, `ffmpeg:ARGS`).
 * Access units are cut as bytes arrive. A live stream sends each as it comes, timed by arrival;
 * a paced one (a file, or stdin with --fps) sends one per 1/fps, reading ahead only
 * `maxQueuedFrames`. An access unit over the splitter's bound is skipped with a warning. A tool
 * that exits or fails is reported with the last thing it printed on stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import { containerFormatOf } from "../../core/container/container-format.ts";
import {
  type MediaSink,
  type MediaSource,
  noAccessUnits,
  pace,
  SkippedFrames,
  type SourceWarn,
} from "./source.ts";

/** Access units read ahead of a paced stream before it is paused. */
export const maxQueuedFrames = 60;

/** Bytes of stderr kept from a tool, to say why it exited. */
const stderrTailBytes = 500;

export interface StreamSourceOptions {
  /** What the stream is, in `FILE has no H.264 access units`: a path, "stdin", a command. */
  name: string;
  /** Send one access unit per 1/fps (a recording); without it, each as it arrives (live). */
  fps?: number;
  /** Open the stream again at its end (a file). */
  loop?: boolean;
  warn?: SourceWarn;
}

type Opened = { stream: Readable; child?: ChildProcess };

export class StreamSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly #open: () => Opened;
  readonly #o: StreamSourceOptions;
  readonly #queue: Uint8Array[] = [];
  #finish!: (how: string) => void;
  #done = false;
  #opened?: Opened;
  #pacer?: { stop(): void };
  #frames = 0;
  #streamEnded = false;

  constructor(description: string, open: () => Opened, options: StreamSourceOptions) {
    this.description = description;
    this.#open = open;
    this.#o = options;
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    const skipped = new SkippedFrames(this.description, this.#o.warn);
    const started = performance.now();
    let lastUs = -1;
    const send = (au: Uint8Array, timeUs: number) => {
      this.#frames++;
      sink.video(au, timeUs);
    };
    const take = (au: Uint8Array) => {
      if (this.#o.fps === undefined) {
        lastUs = Math.max(lastUs + 1, Math.round((performance.now() - started) * 1000));
        return send(au, lastUs);
      }
      this.#queue.push(au);
      if (this.#queue.length >= maxQueuedFrames) this.#opened?.stream.pause();
      this.#pacer ??= this.#paced(this.#o.fps, send);
    };
    this.#read(take, skipped);
  }

  stop(): void {
    this.#end("stopped");
  }

  /** One pass over the stream (a file's next pass starts when this one ends, with --loop). */
  #read(take: (au: Uint8Array) => void, skipped: SkippedFrames) {
    const opened = this.#opened = this.#open();
    const { stream, child } = opened;
    const splitter = new AccessUnitSplitter();
    const framesBefore = this.#frames + this.#queue.length;
    let firstChunk = true;
    let stderrTail = "";
    stream.on("data", (chunk: Uint8Array) => {
      if (this.#done) return;
      const container = firstChunk ? containerFormatOf(chunk) : undefined;
      firstChunk = false;
      if (container) {
        return this.#end(
          `${this.#o.name} is an ${container} file, not Annex-B H.264 (give the file itself ` +
            "as --source FILE)",
        );
      }
      try {
        for (const au of splitter.push(chunk)) take(au);
      } catch (error) {
        skipped.skip(`an access unit: ${(error as Error).message}`);
      }
    });
    stream.on("error", (error) => this.#end(`${this.description} failed: ${error.message}`));
    child?.stderr?.on("data", (d) => (stderrTail = (stderrTail + d).slice(-stderrTailBytes)));
    child?.on(
      "error",
      (error) => this.#end(`${this.description} could not start: ${error.message}`),
    );
    const ended = (how?: string) => {
      if (this.#done) return;
      const last = splitter.flush();
      if (last) take(last);
      const read = this.#frames + this.#queue.length;
      if (how) return this.#end(`${this.description} ${how} after ${this.#frames} frames`);
      if (read === 0) return this.#end(noAccessUnits(this.#o.name));
      if (this.#o.loop && read > framesBefore) return this.#read(take, skipped);
      this.#streamEnded = true;
      if (this.#pacer === undefined) this.#end(`${this.description} ended after ${read} frames`);
    };
    if (child) {
      child.on("exit", (code, signal) => {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const tail = stderrTail.trim().split("\n").pop();
        ended(code === 0 ? undefined : `${why}${tail ? `: ${tail}` : ""}`);
      });
    } else stream.on("end", () => ended());
  }

  /** Sends one queued access unit per frame interval; a slot with none queued is left empty. */
  #paced(fps: number, send: (au: Uint8Array, timeUs: number) => void) {
    return pace(1000 / fps, (n) => {
      const au = this.#queue.shift();
      if (au === undefined) {
        if (!this.#streamEnded) return true;
        this.#end(`${this.description} ended after ${this.#frames} frames`);
        return false;
      }
      send(au, Math.round((n * 1e6) / fps));
      if (this.#queue.length < maxQueuedFrames / 2) this.#opened?.stream.resume();
      return true;
    });
  }

  #end(how: string) {
    if (this.#done) return;
    this.#done = true;
    this.#finish(how);
    this.#pacer?.stop();
    this.#queue.length = 0;
    const { stream, child } = this.#opened ?? {};
    stream?.removeAllListeners("data");
    stream?.destroy();
    if (child && child.exitCode === null) child.kill("SIGTERM");
  }
}

/** An Annex-B .h264 file, read as a stream and sent at `fps`. */
export function annexBFileSource(
  file: string,
  options: { fps: number; loop: boolean; warn?: SourceWarn },
): StreamSource {
  return new StreamSource(
    `the Annex-B file ${file} (${options.fps} fps)`,
    () => ({ stream: createReadStream(file) }),
    { name: file, ...options },
  );
}

/** `--source -`: Annex-B on this process's stdin, at `fps` if given, else as it comes. */
export function stdinSource(options: { fps?: number; warn?: SourceWarn }): StreamSource {
  const pacing = options.fps === undefined ? "" : ` (${options.fps} fps)`;
  return new StreamSource(`Annex-B H.264 on stdin${pacing}`, () => ({ stream: process.stdin }), {
    name: "stdin",
    ...options,
  });
}

/** `gst:PIPELINE` (ends in fdsink, added if absent) or `ffmpeg:ARGS` (`-f h264 -` added). */
export function toolSource(spec: string, warn?: SourceWarn): StreamSource {
  const [tool, rest] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
  const args = rest.trim().split(/\s+/).filter(Boolean);
  if (args.length === 0) {
    throw new Error(
      `--source ${tool}: needs a ${tool === "gst" ? "pipeline" : "list of arguments"}`,
    );
  }
  const [command, argv] = tool === "gst"
    ? ["gst-launch-1.0", [
      "-q",
      ...args,
      ...(rest.includes("fdsink") ? [] : ["!", "fdsink", "fd=1"]),
    ]]
    : ["ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      ...args,
      ...(args.at(-1) === "-" ? [] : ["-f", "h264", "-"]),
    ]];
  const description = `${command} ${argv.join(" ")}`;
  return new StreamSource(description, () => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    return { stream: child.stdout!, child };
  }, { name: `the output of ${command}`, warn });
}
