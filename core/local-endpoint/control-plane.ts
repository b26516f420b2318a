/**
 * The KVS control plane (`kinesisvideo`, spec §2): one function per operation, keyed by the
 * operation's path. Each takes the parsed JSON body and returns the JSON response, or throws a
 * ServiceError with AWS's name and status.
 */
import {
  invalidArgument,
  noDataRetention,
  resourceInUse,
  ServiceError,
  versionMismatch,
} from "./errors.ts";
import {
  type JsonObject,
  optionalArray,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  requiredString,
} from "./fields.ts";
import {
  arnPattern,
  localAccountId,
  newVersion,
  resourceArn,
  resourceNamePattern,
  versionPattern,
} from "./names.ts";
import type { ChannelRecord, Registry, StreamRecord } from "./registry.ts";

/** Where this endpoint is reachable, as the caller reached it (no trailing slash). */
export interface EndpointUrls {
  https: string;
  wss: string;
}

export interface ControlPlaneContext {
  registry: Registry;
  urls: EndpointUrls;
  now: () => number;
}

type Operation = (body: JsonObject, context: ControlPlaneContext) => JsonObject;

const name = { pattern: resourceNamePattern, min: 1, max: 256 };
const arn = { pattern: arnPattern, min: 1, max: 1024 };
const version = { pattern: versionPattern, min: 1, max: 64 };
const nextToken = { pattern: /^[a-zA-Z0-9+/=]*$/, min: 0, max: 1024 };
const channelLimit = 10_000;
const streamLimit = 10_000;
const epochSeconds = (ms: number) => ms / 1000;

function channelInfo(channel: ChannelRecord): JsonObject {
  return {
    ChannelName: channel.name,
    ChannelARN: channel.arn,
    ChannelType: channel.type,
    ChannelStatus: channel.status,
    CreationTime: epochSeconds(channel.creationMs),
    SingleMasterConfiguration: { MessageTtlSeconds: channel.messageTtlSeconds },
    Version: channel.version,
  };
}

function streamInfo(stream: StreamRecord): JsonObject {
  return {
    DeviceName: stream.deviceName,
    StreamName: stream.name,
    StreamARN: stream.arn,
    MediaType: stream.mediaType,
    KmsKeyId: stream.kmsKeyId,
    Version: stream.version,
    Status: stream.status,
    CreationTime: epochSeconds(stream.creationMs),
    DataRetentionInHours: stream.dataRetentionInHours,
  };
}

function channelFrom(body: JsonObject, registry: Registry): ChannelRecord {
  const channelArn = optionalString(body, "ChannelARN", arn);
  const channelName = optionalString(body, "ChannelName", name);
  if (channelArn !== undefined) return registry.channelByArn(channelArn);
  if (channelName !== undefined) return registry.channelByName(channelName);
  throw invalidArgument("Either ChannelName or ChannelARN must be given.");
}

export function streamFrom(body: JsonObject, registry: Registry): StreamRecord {
  const streamArn = optionalString(body, "StreamARN", arn);
  const streamName = optionalString(body, "StreamName", name);
  if (streamArn !== undefined) return registry.streamByArn(streamArn);
  if (streamName !== undefined) return registry.streamByName(streamName);
  throw invalidArgument("Either StreamName or StreamARN must be given.");
}

function checkVersion(body: JsonObject, current: string, required: boolean) {
  const given = required
    ? requiredString(body, "CurrentVersion", version)
    : optionalString(body, "CurrentVersion", version);
  if (given !== undefined && given !== current) {
    throw versionMismatch(`The version ${given} does not match the current version ${current}.`);
  }
}

function messageTtl(body: JsonObject): number | undefined {
  const config = optionalObject(body, "SingleMasterConfiguration");
  return config ? optionalInteger(config, "MessageTtlSeconds", 5, 120) : undefined;
}

/** One page of names sorted by name; the token is the base64 of the last name returned. */
function page<T extends { name: string }>(
  items: Iterable<T>,
  body: JsonObject,
  conditionKey: string,
): { items: T[]; nextToken?: string } {
  const maxResults = optionalInteger(body, "MaxResults", 1, 10_000) ?? 10_000;
  const token = optionalString(body, "NextToken", nextToken);
  const condition = optionalObject(body, conditionKey);
  const prefix = condition ? optionalString(condition, "ComparisonValue", name) ?? "" : "";
  if (condition) optionalEnum(condition, "ComparisonOperator", ["BEGINS_WITH"]);
  let after = "";
  if (token) {
    try {
      after = atob(token);
    } catch {
      throw invalidArgument(`The NextToken '${token}' is not one this endpoint gave out.`);
    }
  }
  const sorted = [...items]
    .filter((item) => item.name.startsWith(prefix) && item.name > after)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const chosen = sorted.slice(0, maxResults);
  return {
    items: chosen,
    nextToken: sorted.length > maxResults ? btoa(chosen[chosen.length - 1].name) : undefined,
  };
}

const createSignalingChannel: Operation = (body, { registry, now }) => {
  const channelName = requiredString(body, "ChannelName", name);
  const type = optionalEnum(body, "ChannelType", ["SINGLE_MASTER", "FULL_MESH"] as const);
  const ttl = messageTtl(body);
  const tags = (optionalArray(body, "Tags", 0, 50) ?? []).map((tag) => {
    if (tag === null || typeof tag !== "object" || Array.isArray(tag)) {
      throw invalidArgument("Each of Tags must be an object with a Key and a Value.");
    }
    const t = tag as JsonObject;
    return {
      Key: requiredString(t, "Key", { min: 1, max: 128 }),
      Value: requiredString(t, "Value", { min: 0, max: 256 }),
    };
  });
  if (registry.channels.has(channelName)) {
    throw resourceInUse(`The signaling channel ${channelName} already exists.`);
  }
  if (registry.channels.size >= channelLimit) {
    throw new ServiceError(
      "AccountChannelLimitExceededException",
      400,
      `This endpoint holds at most ${channelLimit} signaling channels.`,
    );
  }
  const creationMs = now();
  const channel: ChannelRecord = {
    name: channelName,
    arn: resourceArn(registry.region, "channel", channelName, creationMs),
    type: type ?? "SINGLE_MASTER",
    status: "ACTIVE",
    creationMs,
    messageTtlSeconds: ttl ?? 60,
    version: newVersion(),
    tags,
    mediaStorage: { status: "DISABLED" },
  };
  registry.channels.set(channelName, channel);
  registry.changed();
  return { ChannelARN: channel.arn };
};

const describeSignalingChannel: Operation = (body, { registry }) => ({
  ChannelInfo: channelInfo(channelFrom(body, registry)),
});

const listSignalingChannels: Operation = (body, { registry }) => {
  const { items, nextToken } = page(registry.channels.values(), body, "ChannelNameCondition");
  return { ChannelInfoList: items.map(channelInfo), NextToken: nextToken };
};

const updateSignalingChannel: Operation = (body, { registry }) => {
  const channel = registry.channelByArn(requiredString(body, "ChannelARN", arn));
  checkVersion(body, channel.version, true);
  const ttl = messageTtl(body);
  if (ttl !== undefined) channel.messageTtlSeconds = ttl;
  channel.version = newVersion();
  registry.changed();
  return {};
};

const deleteSignalingChannel: Operation = (body, { registry }) => {
  const channel = registry.channelByArn(requiredString(body, "ChannelARN", arn));
  checkVersion(body, channel.version, false);
  registry.deleteChannel(channel);
  return {};
};

const protocols = ["WSS", "HTTPS", "WEBRTC"] as const;

const getSignalingChannelEndpoint: Operation = (body, { registry, urls }) => {
  const channel = registry.channelByArn(requiredString(body, "ChannelARN", arn));
  const config = optionalObject(body, "SingleMasterChannelEndpointConfiguration") ?? {};
  // One local host serves both roles: the WebSocket's query says which one connects.
  optionalEnum(config, "Role", ["MASTER", "VIEWER"] as const);
  const wanted = (optionalArray(config, "Protocols", 1, 5) ?? ["WSS", "HTTPS"]).map((p) => {
    // Not String(p): a JSON object with a "toString" member makes that throw a TypeError.
    const upper = typeof p === "string" ? p.toUpperCase() : "";
    if (!(protocols as readonly string[]).includes(upper)) {
      throw invalidArgument(`Protocol ${JSON.stringify(p)} is not one of ${protocols.join(", ")}.`);
    }
    return upper as typeof protocols[number];
  });
  if (wanted.includes("WEBRTC") && channel.mediaStorage.status !== "ENABLED") {
    throw invalidArgument(
      `The WEBRTC protocol needs media storage ENABLED on channel ${channel.name} ` +
        "(UpdateMediaStorageConfiguration).",
    );
  }
  return {
    ResourceEndpointList: [...new Set(wanted)].map((protocol) => ({
      Protocol: protocol,
      ResourceEndpoint: protocol === "WSS" ? urls.wss : urls.https,
    })),
  };
};

const describeMediaStorageConfiguration: Operation = (body, { registry }) => {
  const { mediaStorage } = channelFrom(body, registry);
  return {
    MediaStorageConfiguration: { Status: mediaStorage.status, StreamARN: mediaStorage.streamArn },
  };
};

const updateMediaStorageConfiguration: Operation = (body, { registry }) => {
  const channel = registry.channelByArn(requiredString(body, "ChannelARN", arn));
  const config = optionalObject(body, "MediaStorageConfiguration");
  if (!config) throw invalidArgument("MediaStorageConfiguration must be given.");
  const status = optionalEnum(config, "Status", ["ENABLED", "DISABLED"] as const);
  if (!status) throw invalidArgument("MediaStorageConfiguration.Status must be given.");
  const streamArn = optionalString(config, "StreamARN", arn);
  if (status === "ENABLED") {
    if (!streamArn) throw invalidArgument("StreamARN is required when Status is ENABLED.");
    const stream = registry.streamByArn(streamArn);
    if (stream.dataRetentionInHours === 0) {
      throw noDataRetention(`Stream ${stream.name} has no data retention; storage needs it.`);
    }
    channel.mediaStorage = { status, streamArn };
  } else {
    channel.mediaStorage = { status };
  }
  registry.changed();
  return {};
};

const createStream: Operation = (body, { registry, now }) => {
  const streamName = requiredString(body, "StreamName", name);
  const deviceName = optionalString(body, "DeviceName", { ...name, max: 128 });
  const mediaType = optionalString(body, "MediaType", {
    pattern: /^[\w\-\.\+]+\/[\w\-\.\+]+(,[\w\-\.\+]+\/[\w\-\.\+]+)*$/,
    min: 1,
    max: 128,
  });
  const kmsKeyId = optionalString(body, "KmsKeyId", { min: 1, max: 2048 });
  const retention = optionalInteger(body, "DataRetentionInHours", 0, 87_600) ?? 0;
  const tags = optionalObject(body, "Tags") ?? {};
  if (Object.keys(tags).length > 50) {
    throw new ServiceError("TagsPerResourceExceededLimitException", 400, "At most 50 tags.");
  }
  for (const key of Object.keys(tags)) requiredString(tags, key, { min: 0, max: 256 });
  if (registry.streams.has(streamName)) {
    throw resourceInUse(`The stream ${streamName} already exists.`);
  }
  if (registry.streams.size >= streamLimit) {
    throw new ServiceError(
      "AccountStreamLimitExceededException",
      400,
      `This endpoint holds at most ${streamLimit} streams.`,
    );
  }
  const creationMs = now();
  const stream: StreamRecord = {
    name: streamName,
    arn: resourceArn(registry.region, "stream", streamName, creationMs),
    deviceName,
    mediaType,
    kmsKeyId: kmsKeyId ?? `arn:aws:kms:${registry.region}:${localAccountId}:alias/aws/kinesisvideo`,
    version: newVersion(),
    status: "ACTIVE",
    creationMs,
    dataRetentionInHours: retention,
    tags: tags as Record<string, string>,
  };
  registry.streams.set(streamName, stream);
  registry.changed();
  return { StreamARN: stream.arn };
};

const describeStream: Operation = (body, { registry }) => ({
  StreamInfo: streamInfo(streamFrom(body, registry)),
});

const listStreams: Operation = (body, { registry }) => {
  const { items, nextToken } = page(registry.streams.values(), body, "StreamNameCondition");
  return { StreamInfoList: items.map(streamInfo), NextToken: nextToken };
};

const deleteStream: Operation = (body, { registry }) => {
  const stream = registry.streamByArn(requiredString(body, "StreamARN", arn));
  checkVersion(body, stream.version, false);
  const user = [...registry.channels.values()].find((c) => c.mediaStorage.streamArn === stream.arn);
  if (user) {
    throw resourceInUse(`Stream ${stream.name} is the media storage of channel ${user.name}.`);
  }
  registry.streams.delete(stream.name);
  registry.changed();
  return {};
};

const apiNames = [
  "PUT_MEDIA",
  "GET_MEDIA",
  "LIST_FRAGMENTS",
  "GET_MEDIA_FOR_FRAGMENT_LIST",
  "GET_HLS_STREAMING_SESSION_URL",
  "GET_DASH_STREAMING_SESSION_URL",
  "GET_CLIP",
  "GET_IMAGES",
] as const;

const getDataEndpoint: Operation = (body, { registry, urls }) => {
  if (!optionalEnum(body, "APIName", apiNames)) throw invalidArgument("APIName must be given.");
  streamFrom(body, registry);
  return { DataEndpoint: urls.https };
};

/** Operations by path, as SDK v3 sends them (`POST /describeSignalingChannel`). */
export const controlPlaneOperations: Record<string, Operation> = {
  "/createSignalingChannel": createSignalingChannel,
  "/describeSignalingChannel": describeSignalingChannel,
  "/listSignalingChannels": listSignalingChannels,
  "/updateSignalingChannel": updateSignalingChannel,
  "/deleteSignalingChannel": deleteSignalingChannel,
  "/getSignalingChannelEndpoint": getSignalingChannelEndpoint,
  "/describeMediaStorageConfiguration": describeMediaStorageConfiguration,
  "/updateMediaStorageConfiguration": updateMediaStorageConfiguration,
  "/createStream": createStream,
  "/describeStream": describeStream,
  "/listStreams": listStreams,
  "/deleteStream": deleteStream,
  "/getDataEndpoint": getDataEndpoint,
};
