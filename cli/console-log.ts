/**
 * The commands' log: messages at or above `--log-level` go to stderr (without blocking: see
 * output.ts), stdout stays for results.
 */
import type { Log } from "../core/log.ts";
import { printError } from "./output.ts";
import { type LogLevel, logLevels } from "./shared-options.ts";

export function consoleLog(level: LogLevel): Log {
  // logLevels runs from error to debug: a message is shown when it comes no later than `level`.
  const shown = (l: LogLevel) => logLevels.indexOf(l) <= logLevels.indexOf(level);
  const line = (l: LogLevel, prefix: string) => (message: string) => {
    if (shown(l)) printError(`${prefix}${message}`);
  };
  return {
    debug: line("debug", "debug: "),
    info: line("info", ""),
    warn: line("warn", "warning: "),
    error: line("error", "error: "),
  };
}
