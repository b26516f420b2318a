import type { Command } from "../command.ts";
import { helpOption, sharedOptions } from "../shared-options.ts";
import { notBuiltYet } from "./not-built.ts";

export const producer: Command = {
  name: "producer",
  summary: "upload the source to a KVS stream with PutMedia (no WebRTC)",
  usage: "kvsrtc producer --stream NAME [options]",
  options: {
    stream: { type: "string", arg: "NAME", help: "the KVS stream to upload to" },
    ...sharedOptions,
    ...helpOption,
  },
  run: notBuiltYet("producer"),
};
