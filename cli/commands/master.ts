import type { Command } from "../command.ts";
import { helpOption, sharedOptions } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const master: Command = {
  name: "master",
  summary: "connect as MASTER and stream the source to up to 10 viewers",
  usage: "kvsrtc master [--source frames/] [options]",
  options: { ...sharedOptions, ...helpOption },
  run: notBuiltYet("master"),
};
