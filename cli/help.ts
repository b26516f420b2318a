import type { Command, Options } from "./command.ts";
import { asRunHere } from "./invocation.ts";

function flagLine(name: string, spec: Options[string]): [string, string] {
  const short = spec.short ? `-${spec.short}, ` : "    ";
  const arg = spec.type === "string" ? ` ${spec.arg ?? "VALUE"}` : "";
  return [`  ${short}--${name}${arg}`, spec.help];
}

export function formatOptions(options: Options): string {
  const rows = Object.entries(options).map(([name, spec]) => flagLine(name, spec));
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, help]) => left.padEnd(width) + help).join("\n");
}

export function commandHelp(command: Command): string {
  return [
    `kvsrtc ${command.name}: ${command.summary}`,
    "",
    `Usage: ${asRunHere(command.usage)}`,
    "",
    "Options:",
    formatOptions(command.options),
    ...(command.epilog ? ["", command.epilog] : []),
  ].join("\n");
}

export function mainHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    "kvsrtc: a Linux camera on Amazon Kinesis Video Streams with WebRTC, in one executable.",
    "",
    `Usage: ${asRunHere("kvsrtc <command> [options]")}`,
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Options:",
    `  -h, --help       show this help (${
      asRunHere("kvsrtc <command>")
    } --help for a command's own)`,
    "  -v, --version    print the version",
    "  --self-test      check that WebRTC works here: two peers exchange data-channel messages",
    "",
    "With no --region and no AWS credentials every command uses an embedded local KVS endpoint.",
    "Give a region and credentials to talk to AWS instead.",
  ].join("\n");
}
