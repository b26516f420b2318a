import type { Command } from "../command.ts";
import { helpOption } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const serve: Command = {
  name: "serve",
  summary: "run the local KVS-compatible endpoint on its own",
  usage: "kvsrtc serve [--host 127.0.0.1] [--port N] [options]",
  options: { ...helpOption },
  run: notBuiltYet("serve"),
};
