import type { Command } from "../command.ts";
import { helpOption, sharedOptions } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const viewer: Command = {
  name: "viewer",
  summary: "connect as VIEWER, receive media and data-channel messages",
  usage: "kvsrtc viewer [--out DIR] [options]",
  options: { ...sharedOptions, ...helpOption },
  run: notBuiltYet("viewer"),
};
