import type { Command } from "../command.ts";
import { helpOption, sharedOptions } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const metrics: Command = {
  name: "metrics",
  summary: "run connections and print how long each phase took",
  usage: "kvsrtc metrics [--runs N] [options]",
  options: { ...sharedOptions, ...helpOption },
  run: notBuiltYet("metrics"),
};
