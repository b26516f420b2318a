/**
 * The control-plane calls a storage session needs besides signaling: which stream a channel
 * records into (Describe/UpdateMediaStorageConfiguration), and the stream itself (DescribeStream,
 * CreateStream). Errors are KvsErrors, as KvsClient's are.
 */
import { KvsError } from "../../core/aws/errors.ts";
import type { KvsClient } from "./kvs-client.ts";
import { callKvs } from "./kvs-http.ts";

/** Retention of a stream `kvsrtc storage --create-stream` makes (AWS refuses storage at 0). */
export const createdStreamRetentionHours = 24;

function call(kvs: KvsClient, operation: string, body: Record<string, unknown>) {
  const path = `/${operation[0].toLowerCase()}${operation.slice(1)}`;
  return callKvs(kvs.options, operation, kvs.options.controlPlaneUrl, path, body);
}

/** The stream the channel records into, or undefined when its media storage is not ENABLED. */
export async function mappedStreamArn(
  kvs: KvsClient,
  channelArn: string,
): Promise<string | undefined> {
  const out = await call(kvs, "DescribeMediaStorageConfiguration", { ChannelARN: channelArn });
  const config = (out.MediaStorageConfiguration ?? {}) as Record<string, unknown>;
  return config.Status === "ENABLED" && typeof config.StreamARN === "string"
    ? config.StreamARN
    : undefined;
}

export async function mapChannelToStream(
  kvs: KvsClient,
  channelArn: string,
  streamArn: string,
): Promise<void> {
  await call(kvs, "UpdateMediaStorageConfiguration", {
    ChannelARN: channelArn,
    MediaStorageConfiguration: { Status: "ENABLED", StreamARN: streamArn },
  });
}

/** The stream's ARN; when it does not exist, creates it if `create`, else a clear KvsError. */
export async function streamArnFor(
  kvs: KvsClient,
  streamName: string,
  create: boolean,
): Promise<string> {
  try {
    const out = await call(kvs, "DescribeStream", { StreamName: streamName });
    return String((out.StreamInfo as Record<string, unknown> | undefined)?.StreamARN ?? "");
  } catch (error) {
    if (!(error instanceof KvsError) || error.name !== "ResourceNotFoundException") throw error;
    if (!create) {
      throw new KvsError({
        name: error.name,
        message: `stream "${streamName}" not found in ${kvs.region} (add --create-stream to ` +
          "create it)",
        operation: error.operation,
        status: error.status,
        requestId: error.requestId,
        cause: error,
      });
    }
  }
  const out = await call(kvs, "CreateStream", {
    StreamName: streamName,
    MediaType: "video/h264,audio/opus",
    DataRetentionInHours: createdStreamRetentionHours,
  });
  return String(out.StreamARN ?? "");
}

/**
 * Gets a channel ready for a storage session: described (created when missing), and, when
 * `stream` is given, mapped to it (the stream created first with `createStream`). Returns the
 * stream the channel records into, undefined when it is not mapped.
 */
export async function prepareStorageChannel(
  kvs: KvsClient,
  channelName: string,
  options: { stream?: string; createStream?: boolean },
): Promise<{ channelArn: string; streamArn?: string }> {
  const { channelArn } = await kvs.describeOrCreateChannel(channelName, true);
  if (options.stream === undefined) {
    return { channelArn, streamArn: await mappedStreamArn(kvs, channelArn) };
  }
  const streamArn = await streamArnFor(kvs, options.stream, options.createStream ?? false);
  if (await mappedStreamArn(kvs, channelArn) !== streamArn) {
    await mapChannelToStream(kvs, channelArn, streamArn);
  }
  return { channelArn, streamArn };
}
