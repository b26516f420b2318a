/** A command's argv -> its flag values and positionals; every mistake is one UsageError line. */
import { parseArgs } from "node:util";
import { type Command, UsageError } from "./command.ts";

/**
 * node:util's parseArgs takes a word starting with "-" after a flag for another flag, so
 * `--fps -1` would fail as "ambiguous" instead of reaching the flag's range check: a negative
 * number is joined to its flag, and a flag where a value belongs is said plainly.
 */
function joinDashValues(command: Command, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const takesValue = word.startsWith("--") && command.options[word.slice(2)]?.type === "string";
    if (!takesValue || next === undefined || !next.startsWith("-") || next === "-") {
      out.push(word);
    } else if (/^-\.?\d/.test(next)) {
      out.push(`${word}=${next}`);
      i++;
    } else {
      throw new UsageError(`${word} needs a value, but the next word ${next} is a flag`);
    }
  }
  return out;
}

/** parseArgs' messages, which run to several lines and name internals, as one line. */
function parseArgsMessage(message: string): string {
  const first = message.split("\n")[0].split(". To specify")[0];
  const missing = /^Option '(--[\w-]+) <value>' argument missing/.exec(first);
  if (missing) return `${missing[1]} needs a value`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(first);
  if (noValue) return `${noValue[1]} takes no value`;
  return first;
}

export function parseCommand(command: Command, argv: string[]) {
  const args = joinDashValues(command, argv);
  try {
    return parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage((err as Error).message));
  }
}
