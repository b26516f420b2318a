import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & {
  help: string;
  arg?: string;
};
export type Options = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One subcommand: its flags and help, and what it runs. `run` returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Text after the flag list: examples, notes. */
  epilog?: string;
  /** run() ends on SIGINT/SIGTERM itself (untilSignal), cleaning up; else the signal ends it. */
  waitsForStop?: true;
  run(values: Values, positionals: string[]): Promise<number>;
}

/** Bad input on the command line: printed as one line plus usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user can act on: printed as one line, no stack trace, exit 1. */
export class UserError extends Error {
  override name = "UserError";
}
