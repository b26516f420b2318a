import type { Command } from "../command.ts";
import { master, runStorage } from "./master.ts";

// The upload's own flags do not apply: the storage peer cuts the fragments.
const {
  storage: _storageFlag,
  "retention-hours": _retention,
  "fragment-ms": _fragmentMs,
  "buffer-seconds": _bufferSeconds,
  ...masterOptions
} = master.options;

const storageOptions = {
  ...masterOptions,
  stream: {
    type: "string",
    arg: "NAME",
    help:
      "record into this KVS stream: the channel is mapped to it (UpdateMediaStorageConfiguration)",
  },
  "create-stream": {
    type: "boolean",
    help: "create the --stream when it does not exist (24 h retention)",
  },
} as const;

export const storage: Command = {
  name: "storage",
  summary: "master that joins a storage session so the channel's stream records it",
  usage: "kvsrtc storage --channel NAME [--stream NAME [--create-stream]] [options]",
  waitsForStop: true,
  options: storageOptions,
  epilog: "The master's viewers are served as usual; the storage peer is not one of them. " +
    "Storage records H.264 and Opus: with a source without audio, Opus silence is sent. " +
    "Without --stream the channel must already be mapped to a stream. The local endpoint " +
    "stores the audio as Opus (AWS stores AAC).",
  run: runStorage,
};
