/**
 * What a running command prints, line by line, on stdout and stderr, without ever blocking the
 * event loop. console.log and console.error write a pipe synchronously on Deno and Bun: a
 * reader that falls behind (a pager, a slow terminal link, a supervisor busy elsewhere) would
 * stop the command's timers, signals and peers in the middle of a write, and what a peer
 * sends (its data-channel messages, printed as they come) could make it fall behind. Lines
 * wait here, at most `maxWaitingBytes` per stream, for the runtime's asynchronous write; past
 * that they are dropped, and a line says how many once the reader has caught up.
 */
import { type OutputStream, runtime } from "../adapters/runtime/mod.ts";

/**
 * Bytes of lines waiting per stream: seconds of the most a command prints (a peer's
 * data-channel messages, bounded to 256 KiB a second, and a status line a second).
 */
export const maxWaitingBytes = 1024 * 1024;
/** How long the exit waits for lines still waiting: a reader that takes none is not waited for. */
export const exitFlushMs = 500;

const encoder = new TextEncoder();

/** One stream's waiting lines and their writer. */
export class LineOutput {
  readonly #stream: OutputStream;
  readonly #write: (stream: OutputStream, bytes: Uint8Array) => Promise<void>;
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  #dropped = 0;
  #gone = false;
  #writing?: Promise<void>;

  /** `write` writes all of its bytes, or rejects when the stream is gone. */
  constructor(
    stream: OutputStream,
    write: (stream: OutputStream, bytes: Uint8Array) => Promise<void>,
  ) {
    this.#stream = stream;
    this.#write = write;
  }

  line(text: string): void {
    if (this.#gone) return;
    const bytes = encoder.encode(`${text}\n`);
    if (this.#waitingBytes + bytes.length > maxWaitingBytes) {
      this.#dropped++;
      return;
    }
    this.#waiting.push(bytes);
    this.#waitingBytes += bytes.length;
    this.#writing ??= this.#writeWaiting();
  }

  /** Resolves once every waiting line is written (or the stream is gone). */
  written(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #writeWaiting() {
    try {
      for (let bytes; (bytes = this.#waiting.shift());) {
        await this.#write(this.#stream, bytes);
        this.#waitingBytes -= bytes.length;
        if (this.#waiting.length === 0 && this.#dropped > 0) this.#noteDropped();
      }
    } catch {
      // The reader has gone (EPIPE): nothing printed from now on can reach anyone.
      this.#gone = true;
      this.#waiting = [];
    }
    this.#writing = undefined;
  }

  #noteDropped() {
    const note = encoder.encode(
      `(${this.#dropped} lines not printed: the ${this.#stream} reader fell behind)\n`,
    );
    this.#dropped = 0;
    this.#waiting.push(note);
    this.#waitingBytes += note.length;
  }
}

const writeOutput = async (stream: OutputStream, bytes: Uint8Array) =>
  (await runtime()).writeOutput(stream, bytes);
const stdout = new LineOutput("stdout", writeOutput);
const stderr = new LineOutput("stderr", writeOutput);

/** A line for stdout: results, what peers send. */
export function printLine(text: string): void {
  stdout.line(text);
}

/** A line for stderr: the log, warnings, errors. */
export function printError(text: string): void {
  stderr.line(text);
}

/** Waits for the lines still waiting, at most `exitFlushMs`: the last thing before exiting. */
export async function outputWritten(): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([stdout.written(), stderr.written()]),
    new Promise((resolve) => (timer = setTimeout(resolve, exitFlushMs))),
  ]);
  clearTimeout(timer);
}
