/**
 * Reads a stream back as a user would, through the AWS SDK v3 clients: ListFragments (every
 * fragment, by producer timestamp) and GetMedia from EARLIEST until it gave as many fragments,
 * demuxed with mediabunny into video frames split into their NAL units.
 */
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from "mediabunny";
import { GetDataEndpointCommand, KinesisVideoClient } from "@aws-sdk/client-kinesis-video";
import { GetMediaCommand, KinesisVideoMediaClient } from "@aws-sdk/client-kinesis-video-media";
import {
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from "@aws-sdk/client-kinesis-video-archived-media";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { chunkTag, getMediaChunks } from "./get-media-chunks.ts";
import type { TestCredentials } from "./local-endpoint.ts";

export interface ReadBackFrame {
  timeMs: number;
  nalUnits: Uint8Array[];
}

export interface StreamReadBack {
  /** ListFragments' fragment numbers, in producer-timestamp order. */
  listed: string[];
  /** Their producer timestamps, ms. */
  producerTimestampsMs: number[];
  /** GetMedia's fragment numbers, in the order it sent them. */
  gotten: string[];
  video: ReadBackFrame[];
  /** GetMedia's body, whole fragments. */
  bytes: Uint8Array;
}

export async function readStreamBack(
  endpointUrl: string,
  region: string,
  credentials: TestCredentials,
  streamName: string,
): Promise<StreamReadBack> {
  const config = { region, credentials };
  const kvs = new KinesisVideoClient({ ...config, endpoint: endpointUrl });
  const dataEndpoint = async (APIName: "GET_MEDIA" | "LIST_FRAGMENTS") =>
    (await kvs.send(new GetDataEndpointCommand({ StreamName: streamName, APIName })))
      .DataEndpoint!;
  const archived = new KinesisVideoArchivedMediaClient({
    ...config,
    endpoint: await dataEndpoint("LIST_FRAGMENTS"),
  });
  const { Fragments = [] } = await archived.send(
    new ListFragmentsCommand({ StreamName: streamName, MaxResults: 1000 }),
  );
  Fragments.sort((a, b) => a.ProducerTimestamp!.getTime() - b.ProducerTimestamp!.getTime());
  const media = new KinesisVideoMediaClient({
    ...config,
    endpoint: await dataEndpoint("GET_MEDIA"),
  });
  const response = await media.send(
    new GetMediaCommand({
      StreamName: streamName,
      StartSelector: { StartSelectorType: "EARLIEST" },
    }),
  );
  const payload = response.Payload as unknown as AsyncIterable<Uint8Array> & { destroy?(): void };
  let bytes: Uint8Array = new Uint8Array(0);
  let chunks = getMediaChunks(bytes);
  const whole = () =>
    chunks.filter((c) => chunkTag(c, "AWS_KINESISVIDEO_CONTINUATION_TOKEN") !== undefined);
  for await (const part of payload) {
    bytes = concatBytes([bytes, part]);
    chunks = getMediaChunks(bytes);
    if (whole().length >= Fragments.length) break;
  }
  payload.destroy?.();
  const done = whole().slice(0, Fragments.length);
  bytes = bytes.subarray(0, done.at(-1)?.end ?? 0);
  return {
    listed: Fragments.map((f) => f.FragmentNumber!),
    producerTimestampsMs: Fragments.map((f) => f.ProducerTimestamp!.getTime()),
    gotten: done.map((c) => chunkTag(c, "AWS_KINESISVIDEO_FRAGMENT_NUMBER")!),
    video: await videoFrames(bytes),
    bytes,
  };
}

async function videoFrames(bytes: Uint8Array): Promise<ReadBackFrame[]> {
  if (bytes.length === 0) return [];
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const track = await input.getPrimaryVideoTrack();
  const frames: ReadBackFrame[] = [];
  for await (const packet of new EncodedPacketSink(track!).packets()) {
    frames.push({ timeMs: Math.round(packet.timestamp * 1000), nalUnits: avccUnits(packet.data) });
  }
  return frames;
}

/** The NAL units of an AVCC frame (4-byte lengths). */
function avccUnits(data: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at + 4 <= data.length;) {
    const length = view.getUint32(at);
    units.push(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return units;
}
