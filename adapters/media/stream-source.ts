/**
 * Video from an Annex-B byte stream: stdin (`--source -`, what `rpicam-vid -o -` or ffmpeg
 * write) or the stdout of a tool kvsrtc starts (`gst:PIPELINE`, `ffmpeg:ARGS`). Access units
 * are cut as bytes arrive and timed by arrival (a live source). A tool that exits or fails is
 * reported with the last thing it printed on stderr.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { AccessUnitSplitter } from "../../core/h264/access-unit-splitter.ts";
import type { MediaSink, MediaSource } from "./source.ts";

export class StreamSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly #open: () => { stream: Readable; child?: ChildProcess };
  #finish!: (how: string) => void;
  #child?: ChildProcess;
  #stream?: Readable;

  constructor(description: string, open: () => { stream: Readable; child?: ChildProcess }) {
    this.description = description;
    this.#open = open;
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    const { stream, child } = this.#open();
    this.#stream = stream;
    this.#child = child;
    const splitter = new AccessUnitSplitter();
    const started = performance.now();
    let lastUs = -1;
    let frames = 0;
    let stderrTail = "";
    const emit = (au: Uint8Array) => {
      lastUs = Math.max(lastUs + 1, Math.round((performance.now() - started) * 1000));
      frames++;
      sink.video(au, lastUs);
    };
    stream.on("data", (chunk: Uint8Array) => {
      try {
        for (const au of splitter.push(chunk)) emit(au);
      } catch (error) {
        this.stop();
        this.#finish(`${this.description}: ${(error as Error).message}`);
      }
    });
    stream.on("error", (error) => this.#finish(`${this.description} failed: ${error.message}`));
    child?.stderr?.on("data", (d) => (stderrTail = (stderrTail + d).slice(-500)));
    child?.on(
      "error",
      (error) => this.#finish(`${this.description} could not start: ${error.message}`),
    );
    const ended = (how: string) => {
      try {
        const last = splitter.flush();
        if (last) emit(last);
      } catch { /* a partial last picture is dropped */ }
      this.#finish(`${this.description} ${how} after ${frames} frames`);
    };
    if (child) {
      child.on("exit", (code, signal) => {
        const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const tail = stderrTail.trim().split("\n").pop();
        ended(code === 0 ? "ended" : `${why}${tail ? `: ${tail}` : ""}`);
      });
    } else stream.on("end", () => ended("ended"));
  }

  stop(): void {
    this.#stream?.removeAllListeners("data");
    this.#stream?.destroy();
    if (this.#child && this.#child.exitCode === null) this.#child.kill("SIGTERM");
    this.#finish("stopped");
  }
}

/** `--source -`: Annex-B on this process's stdin. */
export function stdinSource(): StreamSource {
  return new StreamSource("Annex-B H.264 on stdin", () => ({ stream: process.stdin }));
}

/** `gst:PIPELINE` (ends in fdsink, added if absent) or `ffmpeg:ARGS` (`-f h264 -` added). */
export function toolSource(spec: string): StreamSource {
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
  return new StreamSource(`${command} ${argv.join(" ")}`, () => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    return { stream: child.stdout!, child };
  });
}
