/**
 * The endpoint's resources: signaling channels and streams, held in memory. A snapshot of them
 * is plain JSON so an adapter can keep it in a data directory across restarts.
 */
import { resourceNotFound } from "./errors.ts";
import { parseArn } from "./names.ts";

export type ResourceStatus = "CREATING" | "ACTIVE" | "UPDATING" | "DELETING";

export interface ChannelRecord {
  name: string;
  arn: string;
  type: "SINGLE_MASTER" | "FULL_MESH";
  status: ResourceStatus;
  creationMs: number;
  messageTtlSeconds: number;
  version: string;
  tags: { Key: string; Value: string }[];
  mediaStorage: { status: "ENABLED" | "DISABLED"; streamArn?: string };
}

export interface StreamRecord {
  name: string;
  arn: string;
  deviceName?: string;
  mediaType?: string;
  kmsKeyId: string;
  version: string;
  status: ResourceStatus;
  creationMs: number;
  dataRetentionInHours: number;
  tags: Record<string, string>;
}

export interface RegistrySnapshot {
  channels: ChannelRecord[];
  streams: StreamRecord[];
}

export class Registry {
  readonly channels = new Map<string, ChannelRecord>();
  readonly streams = new Map<string, StreamRecord>();
  /** Called after every change (to persist), when a channel goes away (to drop its sockets) and
   * when a stream does (to drop its fragments). */
  onChange?: () => void;
  onChannelDeleted?: (channel: ChannelRecord) => void;
  onStreamDeleted?: (stream: StreamRecord) => void;

  constructor(readonly region: string, snapshot?: RegistrySnapshot) {
    for (const channel of snapshot?.channels ?? []) this.channels.set(channel.name, channel);
    for (const stream of snapshot?.streams ?? []) this.streams.set(stream.name, stream);
  }

  snapshot(): RegistrySnapshot {
    return { channels: [...this.channels.values()], streams: [...this.streams.values()] };
  }

  changed(): void {
    this.onChange?.();
  }

  channelByArn(arn: string): ChannelRecord {
    const channel = this.channels.get(parseArn(arn)?.name ?? "");
    if (!channel || channel.arn !== arn) {
      throw resourceNotFound(`The requested channel is not found or not active: ${arn}`);
    }
    return channel;
  }

  channelByName(name: string): ChannelRecord {
    const channel = this.channels.get(name);
    if (!channel) {
      throw resourceNotFound(`The requested channel is not found or not active: ${name}`);
    }
    return channel;
  }

  /** The stream with this ARN, if there is one. */
  findStream(arn: string): StreamRecord | undefined {
    const stream = this.streams.get(parseArn(arn)?.name ?? "");
    return stream?.arn === arn ? stream : undefined;
  }

  streamByArn(arn: string): StreamRecord {
    const stream = this.findStream(arn);
    if (!stream) throw resourceNotFound(`The requested stream is not found or not active: ${arn}`);
    return stream;
  }

  streamByName(name: string): StreamRecord {
    const stream = this.streams.get(name);
    if (!stream) throw resourceNotFound(`The requested stream is not found or not active: ${name}`);
    return stream;
  }

  deleteChannel(channel: ChannelRecord): void {
    this.channels.delete(channel.name);
    this.onChannelDeleted?.(channel);
    this.changed();
  }

  deleteStream(stream: StreamRecord): void {
    this.streams.delete(stream.name);
    this.onStreamDeleted?.(stream);
    this.changed();
  }
}
