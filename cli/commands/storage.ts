import type { Command } from "../command.ts";
import { master, runStorage } from "./master.ts";

const { storage: _storageFlag, ...masterOptions } = master.options;

export const storage: Command = {
  name: "storage",
  summary: "master that joins a storage session so the channel's stream records it",
  usage: "kvsrtc storage --channel NAME [--stream NAME [--create-stream]] [options]",
  waitsForStop: true,
  options: masterOptions,
  epilog: "The master's viewers are served as usual; the storage peer is not one of them. " +
    "Storage records H.264 and Opus: with a source without audio, Opus silence is sent. " +
    "Without --stream the channel must already be mapped to a stream. The local endpoint " +
    "stores the audio as Opus (AWS stores AAC).",
  run: runStorage,
};
