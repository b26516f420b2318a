/**
 * One PutMedia request: a signed POST /putMedia whose chunked body is written for as long as
 * the upload runs while its response (200, then acknowledgement lines) is read at the same
 * time. Through fetch with a web ReadableStream body (`duplex: "half"`): Bun and Deno both send
 * it chunked over HTTP/1.1 and hand over the response as it comes, before the body ends. It
 * replaced node:http here because the upload kept less with it (Bun, the upload-memory probe:
 * see the README's upload benchmark), and it is the same client the API calls use.
 */
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { errorFromResponse } from "../../core/aws/errors.ts";
import { signStreamingPost } from "../../core/aws/sigv4.ts";
import { bodyChunks } from "../../core/producer/body-chunks.ts";

export interface PutMediaRequestOptions {
  /** The PUT_MEDIA data endpoint (https://..., or http:// for a local endpoint). */
  dataEndpoint: string;
  streamArn: string;
  /** ms since the Unix epoch, sent as producer-c prints it (`<s>.<ms unpadded>`). */
  producerStartMs: number;
  credentials: AwsCredentials;
  region: string;
  /** The signing time. */
  date: Date;
  /** The service answered 200: the upload is accepted. */
  onConnected?(): void;
  /** The response's body bytes, once it is a 200: acknowledgement lines. */
  onData(chunk: Uint8Array): void;
  /** The request is over: its response ended, or it failed (`error`), or was refused. */
  onEnd(how: { error?: Error }): void;
}

/** The bytes of a refusal's JSON body read, at most. */
const maxRefusalBytes = 64 * 1024;

export interface PutMediaRequest {
  /** Queues pieces of the body, in order (views; only short runs joined: body-chunks.ts). */
  write(pieces: readonly Uint8Array[]): void;
  /** Body bytes queued and not yet handed to the socket. */
  readonly queuedBytes: number;
  /** The response status once it came, else 0. */
  readonly status: number;
  /** Ends the body: the service acknowledges what it has and ends the response. */
  end(): void;
  /** Cuts the connection. */
  destroy(): void;
}

export async function openPutMedia(options: PutMediaRequestOptions): Promise<PutMediaRequest> {
  const url = new URL("/putMedia", options.dataEndpoint);
  const ms = options.producerStartMs;
  const signed = await signStreamingPost({
    url,
    headers: {
      "x-amzn-stream-arn": options.streamArn,
      "x-amzn-fragment-timecode-type": "ABSOLUTE",
      "x-amzn-producer-start-timestamp": `${Math.floor(ms / 1000)}.${ms % 1000}`,
      "x-amzn-fragment-acknowledgment-required": "1",
    },
    credentials: options.credentials,
    region: options.region,
    date: options.date,
  });
  let status = 0;
  let ended = false;
  let bodyOpen = true;
  const end = (how: { error?: Error }) => {
    bodyOpen = false;
    if (ended) return;
    ended = true;
    options.onEnd(how);
  };
  // A high-water mark of 0: every byte written and not yet pulled by the connection counts as
  // queued (desiredSize goes negative by it), which is what the uploader's stall check reads.
  let body!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>(
    { start: (controller) => void (body = controller) },
    new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
  );
  const aborted = new AbortController();
  fetch(url, {
    method: "POST",
    // fetch itself sends `transfer-encoding: chunked` and keeps the connection alive.
    headers: { ...signed, "content-type": "application/json", "user-agent": "kvsrtc" },
    body: stream,
    duplex: "half",
    signal: aborted.signal,
  } as RequestInit).then(async (response) => {
    status = response.status;
    if (status !== 200) {
      const text = await readRefusal(response);
      return end({ error: errorFromResponse("PutMedia", status, response.headers, text) });
    }
    options.onConnected?.();
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) {
      options.onData(read.value);
    }
    end({});
  }).catch((error) => end({ error: error instanceof Error ? error : new Error(String(error)) }));
  return {
    write: (pieces) => {
      if (!bodyOpen) return;
      try {
        for (const chunk of bodyChunks(pieces)) body.enqueue(chunk);
      } catch {
        // fetch let the body go (the connection failed); its rejection reports why, soon.
        bodyOpen = false;
      }
    },
    get queuedBytes() {
      return Math.max(0, -(body.desiredSize ?? 0));
    },
    get status() {
      return status;
    },
    end: () => {
      if (!bodyOpen) return;
      bodyOpen = false;
      body.close();
    },
    destroy: () => {
      bodyOpen = false;
      aborted.abort(new Error("the connection closed"));
    },
  };
}

/** A refusal's body as text, its first `maxRefusalBytes` at most. */
async function readRefusal(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) {
    text += decoder.decode(read.value, { stream: true });
    if (text.length >= maxRefusalBytes) {
      await reader!.cancel();
      break;
    }
  }
  return text.slice(0, maxRefusalBytes);
}
