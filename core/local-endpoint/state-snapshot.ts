/**
 * Reading a registry snapshot back from its JSON text (the `--data-dir` state file). Every
 * record is checked member by member, so a hand-edited or damaged file is refused at start
 * with the member that is wrong, not met later as a crash inside an operation.
 */
import type { ChannelRecord, RegistrySnapshot, StreamRecord } from "./registry.ts";

type Check = (value: unknown) => boolean;

const string: Check = (v) => typeof v === "string";
const number: Check = (v) => typeof v === "number" && Number.isFinite(v);
const optional = (check: Check): Check => (v) => v === undefined || check(v);
const oneOf = (...values: string[]): Check => (v) => values.includes(v as string);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const statuses = oneOf("CREATING", "ACTIVE", "UPDATING", "DELETING");

const channelMembers: Record<keyof ChannelRecord, Check> = {
  name: string,
  arn: string,
  type: oneOf("SINGLE_MASTER", "FULL_MESH"),
  status: statuses,
  creationMs: number,
  messageTtlSeconds: number,
  version: string,
  tags: (v) => Array.isArray(v) && v.every((t) => isObject(t) && string(t.Key) && string(t.Value)),
  mediaStorage: (v) =>
    isObject(v) && oneOf("ENABLED", "DISABLED")(v.status) && optional(string)(v.streamArn),
};

const streamMembers: Record<keyof StreamRecord, Check> = {
  name: string,
  arn: string,
  deviceName: optional(string),
  mediaType: optional(string),
  kmsKeyId: string,
  version: string,
  status: statuses,
  creationMs: number,
  dataRetentionInHours: number,
  tags: (v) => isObject(v) && Object.values(v).every(string),
};

/** Parses a snapshot; throws an Error naming the first thing wrong with it. */
export function parseRegistrySnapshot(text: string): RegistrySnapshot {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new Error("it is not JSON");
  }
  if (!isObject(state) || !Array.isArray(state.channels) || !Array.isArray(state.streams)) {
    throw new Error("it has no channels and streams lists");
  }
  return {
    channels: state.channels.map((c, i) =>
      checked<ChannelRecord>(c, channelMembers, `channel ${i}`)
    ),
    streams: state.streams.map((s, i) => checked<StreamRecord>(s, streamMembers, `stream ${i}`)),
  };
}

function checked<T>(record: unknown, members: Record<string, Check>, what: string): T {
  if (!isObject(record)) throw new Error(`${what} is not an object`);
  for (const [member, check] of Object.entries(members)) {
    if (!check(record[member])) throw new Error(`${what} has a bad ${member}`);
  }
  return record as T;
}
