import type { Command } from "../command.ts";
import { helpOption, sharedOptions } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const storage: Command = {
  name: "storage",
  summary: "master that joins a storage session so the channel's stream records it",
  usage: "kvsrtc storage [options]",
  options: { ...sharedOptions, ...helpOption },
  run: notBuiltYet("storage"),
};
