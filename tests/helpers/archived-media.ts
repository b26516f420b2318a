/**
 * What the read-back tests share: a stream on the local endpoint with its archived-media client
 * (through GetDataEndpoint, as AWS's docs say), the one function that uploads fragments to a
 * stream, and ffmpeg/ffprobe run asynchronously (the endpoint they read runs in this process).
 */
import { execFile } from "node:child_process";
import {
  CreateStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from "@aws-sdk/client-kinesis-video";
import { KinesisVideoArchivedMediaClient } from "@aws-sdk/client-kinesis-video-archived-media";
import type { LocalEndpoint } from "../../adapters/local/mod.ts";
import type { Fragment } from "../../core/fragments/fragment.ts";
import { uploadFragments as putMediaUpload } from "./put-media-client.ts";

export interface TestStream {
  name: string;
  arn: string;
  archivedMedia: KinesisVideoArchivedMediaClient;
}

export async function createTestStream(
  endpoint: LocalEndpoint,
  name: string,
  apiName: "GET_HLS_STREAMING_SESSION_URL" | "GET_CLIP",
  dataRetentionInHours = 24,
): Promise<TestStream> {
  const client = { region: endpoint.region, credentials: endpoint.credentials };
  const control = new KinesisVideoClient({ ...client, endpoint: endpoint.url });
  const { StreamARN } = await control.send(
    new CreateStreamCommand({ StreamName: name, DataRetentionInHours: dataRetentionInHours }),
  );
  const { DataEndpoint } = await control.send(
    new GetDataEndpointCommand({ StreamName: name, APIName: apiName }),
  );
  return {
    name,
    arn: StreamARN!,
    archivedMedia: new KinesisVideoArchivedMediaClient({ ...client, endpoint: DataEndpoint }),
  };
}

/** Uploads `fragments` to the stream with PutMedia, as producer-c does; resolves once stored. */
export async function uploadFragments(
  endpoint: LocalEndpoint,
  stream: TestStream,
  fragments: readonly Fragment[],
): Promise<void> {
  await putMediaUpload(endpoint, stream.name, fragments, fragments[0].tracks);
}

/** Runs a tool, resolving with its stdout and stderr (rejecting with stderr if it fails). */
export function run(
  tool: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Frames ffprobe decodes in each stream of `input`, by codec name. */
export async function decodedFrames(input: string): Promise<Record<string, number>> {
  const { stdout } = await run("ffprobe", [
    "-v",
    "error",
    "-count_frames",
    "-show_entries",
    "stream=codec_name,nb_read_frames",
    "-of",
    "json",
    input,
  ]);
  const streams = JSON.parse(stdout).streams as { codec_name: string; nb_read_frames: string }[];
  return Object.fromEntries(streams.map((s) => [s.codec_name, Number(s.nb_read_frames)]));
}
