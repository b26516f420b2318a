#!/usr/bin/env bun
/** kvsrtc entry point: argv -> one command -> exit code. */
// First, so that a stop signal during the imports below is kept, not lost.
import { defaultStopSignals } from "./stop-signal.ts";
import { UsageError, UserError } from "./command.ts";
import { parseCommand } from "./parse-command.ts";
import { asRunHere } from "./invocation.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { version } from "./version.ts";
import { commands } from "./commands/mod.ts";
import { kvsFailureMessage } from "../adapters/aws/failure-message.ts";
import { outputWritten, printError } from "./output.ts";

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    console.log(mainHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === "-v" || first === "--version") {
    console.log(`kvsrtc ${version}`);
    return 0;
  }
  if (first === "--self-test") {
    defaultStopSignals();
    const { runSelfTest } = await import("../adapters/webrtc/self-test.ts");
    const result = await runSelfTest();
    console.log(
      `self-test passed: ${result.messages} data-channel messages echoed over loopback in ` +
        `${result.roundTripMs.toFixed(0)} ms (libdatachannel ${result.libraryVersion})`,
    );
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command?.waitsForStop) defaultStopSignals();
  if (!command) {
    console.error(`kvsrtc: unknown command "${first}"`);
    console.error(mainHelp(commands));
    return 2;
  }
  try {
    const { values, positionals } = parseCommand(command, rest);
    if (values.help) {
      console.log(commandHelp(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`kvsrtc ${command.name}: ${err.message}`);
      console.error(`Usage: ${asRunHere(command.usage)}  (--help for more)`);
      return 2;
    }
    const message = err instanceof UserError ? err.message : kvsFailureMessage(err);
    if (message !== undefined) {
      // After what the command printed, which may still be waiting (output.ts).
      printError(`kvsrtc ${command.name}: ${message}`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    async (code) => {
      await outputWritten();
      process.exit(code);
    },
    async (err) => {
      // A bug, not bad input; still one line, no stack trace.
      printError(`kvsrtc: internal error: ${(err as Error)?.message ?? err}`);
      await outputWritten();
      process.exit(1);
    },
  );
}
