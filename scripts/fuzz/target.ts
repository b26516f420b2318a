/** What one fuzz target is: how a case's input is made, what it drives, what it may throw. */
import type { Rng } from "./prng.ts";

export interface FuzzTarget<Input = unknown> {
  name: string;
  /** Makes seeds that take asynchronous work, once, before the first case. */
  prepare?(): Promise<void>;
  /** The input of one case, made from the case's own generator (seeds, then mutations). */
  input(rng: Rng): Input;
  /** Drives the parser (or chain) with the input; its value is ignored. */
  run(input: Input): unknown;
  /**
   * True for an error that is the parser's documented answer to bad input. Anything else
   * thrown (TypeError, RangeError, a stack overflow) is a crash.
   */
  deliberate(error: unknown): boolean;
  /** The input in a form to print with a crash, to reproduce it from its bytes. */
  show(input: Input): string;
}

/** A plain `Error` with a one-line message: what the project's parsers throw on bad input. */
export function isPlainError(error: unknown): boolean {
  return error instanceof Error && Object.getPrototypeOf(error) === Error.prototype &&
    error.message !== "" && !error.message.includes("\n");
}

/** Never throws: every error is a crash. */
export const nothingThrown = () => false;

export const showBytes = (bytes: Uint8Array) => `hex ${hex(bytes.subarray(0, 512))}`;
export const showText = (text: string) => JSON.stringify(text.slice(0, 2000));

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A bound or promise of the code under test that a case broke: always a crash. */
export class BrokenInvariant extends Error {}

export function invariant(holds: boolean, what: string): void {
  if (!holds) throw new BrokenInvariant(what);
}
