/**
 * Media from a byte stream: a file, stdin (`-`, what `rpicam-vid -o -`, GStreamer or ffmpeg
 * write into a pipe) or the stdout of a tool kvsrtc starts (`gst:PIPELINE`, `ffmpeg:ARGS`).
 * This file is the transport, the one for every kind of stream: it opens the stream, hands
 * its bytes to a parser (Annex-B H.264, Ogg Opus, a Matroska or MPEG-TS container) as they
 * arrive, says when a live stream stalls and when it comes back, and reports how it ended: a
 * tool that fails to start or exits, with the last thing it printed on stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { VideoCodec } from "../../core/media/video-codec.ts";
import { type MediaSink, type MediaSource, SkippedFrames, type SourceWarn } from "./source.ts";

/** Bytes of stderr kept from a tool, to say why it exited. */
const stderrTailBytes = 500;

/** A live stream that sends nothing for this long is reported as stalled (it may come back). */
export const liveStallMs = 5000;

/**
 * Bytes a live stream is read at, at most, in a second: past what any camera sends (H.264
 * level 5.2 allows 240 Mbit/s, 30 MB/s). Faster is a recording piped in, or a broken pipe
 * writing what it has, and each byte read becomes garbage a runtime is slow to collect: read
 * unbounded from such a pipe, 12 MiB access units at ~90 MB/s took a Bun master to 260-280 MB
 * under the flood test; at this bound, 182-228 MB.
 */
export const maxLiveBytesPerSecond = 32 * 2 ** 20;

/** Why a stream is held back: its parser holds all it may, or the second's bytes are read. */
type Hold = "parser" | "rate";

/** What a parser is given: where to send, the stream's flow, and how to end the source. */
export interface ParserContext {
  sink: MediaSink;
  /** Microseconds since the source started: the time of what arrives now. */
  elapsedUs(): number;
  /** Holds the stream back (the parser holds all it may) and lets it go on again. */
  pause(): void;
  resume(): void;
  skipped: SkippedFrames;
  /** Says what the source goes on without. */
  warn: SourceWarn;
  /** Ends the source: the stream is not what it should be, or its reader failed. */
  fail(why: string): void;
}

/** Cuts one kind of stream into media, as its bytes arrive. */
export interface StreamParser {
  /** What the stream should be, in "NAME is not Ogg Opus: ...". */
  readonly format: string;
  /** What ending with nothing sent says: "stdin has no H.264 access units (...)". */
  readonly nothing: string;
  /** Units cut from the stream so far, sent or waiting to be. */
  readonly taken: number;
  push(chunk: Uint8Array): void;
  /** One pass of the stream ended: takes what it held. */
  flush(): void;
  /** Resolves when all it took has been sent. */
  drained(): Promise<void>;
  stop(): void;
}

/** Picks the parser for a stream from its first bytes, or says why the stream cannot be read. */
export type ChooseParser = (
  firstChunk: Uint8Array,
  context: ParserContext,
) => StreamParser | string;

export interface StreamSourceOptions {
  /** What the stream is, in "NAME has no H.264 access units": a path, "stdin", a command. */
  name: string;
  /** What it carries, for how it ended: "frames" (video, maybe with audio) or audio only. */
  kind: "video" | "audio";
  parser: ChooseParser;
  /** A live stream (a pipe, a tool) is watched for stalls; a file is not. */
  live: boolean;
  /** Open the stream again at its end (a file). */
  loop?: boolean;
  warn?: SourceWarn;
  /** Its video's codec, when known before its first bytes (MediaSource.videoCodec). */
  videoCodec?: VideoCodec;
}

type Opened = { stream: Readable; child?: ChildProcess };
/** Opens the stream (again, for a file's next pass). */
export type OpenStream = () => Opened;

export class StreamSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly videoCodec?: VideoCodec;
  readonly #open: OpenStream;
  readonly #o: StreamSourceOptions;
  #finish!: (how: string) => void;
  #done = false;
  #opened?: Opened;
  #parser?: StreamParser;
  #stallWatch?: ReturnType<typeof setInterval>;
  #lastDataAt = 0;
  /** Paused, and why: not a stall. The stream flows again once no hold is left. */
  #holds = new Set<Hold>();
  /** The live stream's current second: when it started and the bytes read in it. */
  #second = { startedAt: -Infinity, bytes: 0 };
  #rateHold?: ReturnType<typeof setTimeout>;
  #sent = { frames: 0, packets: 0 };

  constructor(description: string, open: OpenStream, options: StreamSourceOptions) {
    this.description = description;
    this.#open = open;
    this.#o = options;
    this.videoCodec = options.videoCodec;
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    const started = performance.now();
    const context: ParserContext = {
      sink: {
        video: (picture, timeUs, codec) => {
          this.#sent.frames++;
          sink.video(picture, timeUs, codec);
        },
        audio: (packet, timeUs) => {
          this.#sent.packets++;
          sink.audio(packet, timeUs);
        },
      },
      elapsedUs: () => Math.round((performance.now() - started) * 1000),
      pause: () => this.#hold("parser"),
      resume: () => this.#release("parser"),
      skipped: new SkippedFrames(this.description, this.#o.warn),
      warn: (message) => this.#o.warn?.(message),
      fail: (why) => this.#end(why),
    };
    this.#read(context);
  }

  stop(): void {
    this.#end("stopped");
  }

  /** One pass over the stream (a file's next pass starts when this one ends, with --loop). */
  #read(context: ParserContext) {
    const opened = this.#opened = this.#open();
    const { stream, child } = opened;
    const takenBefore = this.#parser?.taken ?? 0;
    let stderrTail = "";
    this.#lastDataAt = performance.now();
    let stalled = false;
    if (this.#o.live) this.#watchStalls(() => (stalled = true));
    stream.on("data", (chunk: Uint8Array) => {
      if (this.#done) return;
      if (stalled) {
        const seconds = ((performance.now() - this.#lastDataAt) / 1000).toFixed(1);
        this.#o.warn?.(`${this.description}: data again after ${seconds} s; going on`);
        stalled = false;
      }
      this.#lastDataAt = performance.now();
      if (this.#o.live) this.#readAtMost(chunk.length);
      const parser = this.#parser ?? this.#choose(chunk, context);
      if (parser === undefined) return;
      try {
        parser.push(chunk);
      } catch (error) {
        this.#end(`${this.#o.name} is not ${parser.format}: ${(error as Error).message}`);
      }
    });
    stream.on("error", (error) => this.#end(`${this.description} failed: ${error.message}`));
    child?.stderr?.on("data", (d) => (stderrTail = (stderrTail + d).slice(-stderrTailBytes)));
    child?.on(
      "error",
      (error) => this.#end(`${this.description} could not start: ${error.message}`),
    );
    const ended = async (how?: string) => {
      // An empty stream gets the parser its (no) first bytes choose, to say what it lacks.
      const parser = this.#parser ?? this.#choose(new Uint8Array(0), context);
      if (this.#done || parser === undefined) return;
      parser.flush();
      if (how) return this.#end(`${this.description} ${how} after ${this.#sentText()}`);
      if (this.#o.loop && parser.taken > takenBefore) return this.#read(context);
      await parser.drained();
      if (this.#count() === 0) return this.#end(parser.nothing);
      this.#end(`${this.description} ended after ${this.#sentText()}`);
    };
    if (child) {
      child.on("exit", (code, signal) => {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const tail = stderrTail.trim().split("\n").pop();
        ended(code === 0 ? undefined : `${why}${tail ? `: ${tail}` : ""}`);
      });
    } else stream.on("end", () => ended());
  }

  /** The parser the first bytes call for; undefined (and the source ended) if there is none. */
  #choose(firstChunk: Uint8Array, context: ParserContext): StreamParser | undefined {
    const chosen = this.#o.parser(firstChunk, context);
    if (typeof chosen === "string") return void this.#end(chosen);
    return this.#parser = chosen;
  }

  #hold(why: Hold) {
    this.#holds.add(why);
    this.#opened?.stream.pause();
  }

  /** A paced parser releases at each frame it sends while it drains: no stall meanwhile. */
  #release(why: Hold) {
    this.#holds.delete(why);
    this.#lastDataAt = performance.now(); // a stream held back is not stalled
    if (this.#holds.size === 0) this.#opened?.stream.resume();
  }

  /** Holds a live stream back for the rest of a second that brought `maxLiveBytesPerSecond`. */
  #readAtMost(bytes: number) {
    const now = performance.now();
    if (now - this.#second.startedAt >= 1000) this.#second = { startedAt: now, bytes: 0 };
    this.#second.bytes += bytes;
    if (this.#second.bytes < maxLiveBytesPerSecond || this.#rateHold) return;
    this.#hold("rate");
    this.#rateHold = setTimeout(() => {
      this.#rateHold = undefined;
      this.#release("rate");
    }, this.#second.startedAt + 1000 - now);
  }

  /** Warns once when nothing has arrived for `liveStallMs`; the data handler says when it resumes. */
  #watchStalls(stall: () => void) {
    clearInterval(this.#stallWatch);
    let warned = 0;
    this.#stallWatch = setInterval(() => {
      const at = this.#lastDataAt;
      if (this.#holds.size > 0 || performance.now() - at < liveStallMs || warned === at) return;
      warned = at;
      stall();
      this.#o.warn?.(
        `${this.description}: nothing arrived for ${
          liveStallMs / 1000
        } s (stalled?); waiting for it`,
      );
    }, liveStallMs / 5);
  }

  /** Frames or packets sent so far, whichever this stream carries. */
  #count(): number {
    return this.#sent.frames + this.#sent.packets;
  }

  #sentText(): string {
    const { frames, packets } = this.#sent;
    if (this.#o.kind === "audio") return `${packets} Opus packets`;
    return `${frames} frames${packets > 0 ? ` and ${packets} Opus packets` : ""}`;
  }

  #end(how: string) {
    if (this.#done) return;
    this.#done = true;
    this.#finish(how);
    clearInterval(this.#stallWatch);
    clearTimeout(this.#rateHold);
    this.#parser?.stop();
    const { stream, child } = this.#opened ?? {};
    stream?.removeAllListeners("data");
    stream?.destroy();
    if (child && child.exitCode === null) child.kill("SIGTERM");
  }
}

/** A file, read as a stream. */
export function fileStream(file: string): OpenStream {
  return () => ({ stream: createReadStream(file) });
}

/** This process's stdin. */
export const stdinStream: OpenStream = () => ({ stream: process.stdin });

/** ffmpeg arguments whose last, the output, is stdout: `-`, `pipe:1`, or a tee to it. */
function endsInStdout(args: string[]): boolean {
  const output = args.at(-1) ?? "";
  return output === "-" || /pipe\\?:1?(\||$)/.test(output);
}

/**
 * The command line of a `gst:PIPELINE` (ending in fdsink, added if absent) or `ffmpeg:ARGS`
 * (`outputArgs` added unless the arguments end in an output to stdout), and how to spawn it. `flag` names the
 * option in errors: "--source" or "--audio".
 */
export function toolStream(spec: string, flag: string, outputArgs: string[]) {
  const [tool, rest] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
  const args = rest.trim().split(/\s+/).filter(Boolean);
  if (args.length === 0) {
    throw new Error(
      `${flag} ${tool}: needs a ${tool === "gst" ? "pipeline" : "list of arguments"}`,
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
      ...(endsInStdout(args) ? [] : [...outputArgs, "-"]),
    ]];
  return {
    description: `${command} ${argv.join(" ")}`,
    name: `the output of ${command}`,
    open: (): Opened => {
      const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
      return { stream: child.stdout!, child };
    },
  };
}
