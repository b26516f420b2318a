/**
 * One PutMedia request: a signed POST /putMedia whose chunked body is written for as long as
 * the upload runs while its response (200, then acknowledgement lines) is read at the same
 * time. node:http and node:https do both at once on Bun and on Deno; fetch with a stream body
 * may not, so this is the one place the upload touches HTTP.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ClientRequest, IncomingMessage } from "node:http";
import type { AwsCredentials } from "../../core/aws/credentials.ts";
import { errorFromResponse } from "../../core/aws/errors.ts";
import { signStreamingPost } from "../../core/aws/sigv4.ts";

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
  /** Queues a piece of the body (a view; not copied here). */
  write(piece: Uint8Array): void;
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
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const req: ClientRequest = request(url, {
    method: "POST",
    headers: {
      ...signed,
      "transfer-encoding": "chunked",
      connection: "keep-alive",
      "content-type": "application/json",
      "user-agent": "kvsrtc",
    },
  });
  let status = 0;
  let ended = false;
  const end = (how: { error?: Error }) => {
    if (ended) return;
    ended = true;
    options.onEnd(how);
  };
  req.on("error", (error) => end({ error }));
  req.on("close", () => end({ error: new Error("the connection closed") }));
  req.on("response", (res: IncomingMessage) => {
    status = res.statusCode ?? 0;
    if (status !== 200) return readRefusal(res, status, end);
    options.onConnected?.();
    res.on("data", (chunk: Uint8Array) => options.onData(chunk));
    res.on("end", () => end({}));
    res.on("error", (error) => end({ error }));
  });
  req.flushHeaders();
  return {
    write: (piece) => {
      if (!ended) req.write(piece);
    },
    get queuedBytes() {
      return req.writableLength;
    },
    get status() {
      return status;
    },
    end: () => req.end(),
    destroy: () => req.destroy(),
  };
}

function readRefusal(res: IncomingMessage, status: number, end: (how: { error?: Error }) => void) {
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    if (text.length < maxRefusalBytes) text += chunk;
  });
  res.on("error", (error) => end({ error }));
  res.on("end", () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    end({ error: errorFromResponse("PutMedia", status, headers, text) });
  });
}
