/**
 * PutMedia over HTTP/1.1 (spec §6.1, §6.2, §6.5): the headers were checked and the signature
 * verified before any of the body was read; this answers 200 at once and then streams the
 * acknowledgements while it reads the body chunk by chunk (full duplex), never holding more
 * of it than the reader's bounds. The body is read at most at AWS's 12.5 MB/s.
 *
 * Both runtimes answer `Expect: 100-continue` when the body is first read. Deno sends the 200
 * head at once; Bun sends the status line at once and the rest of the head with the first ack
 * (IDLE at the latest), and a response already over before it started (an ERROR at the first
 * bytes) with a Content-Length. A producer sends its body after 100 Continue either way.
 */
import type { Registry } from "../../core/local-endpoint/registry.ts";
import { resourceNotFound } from "../../core/local-endpoint/errors.ts";
import { parsePutMediaRequest } from "../../core/local-endpoint/put-media-request.ts";
import { ackLine, type FragmentAck } from "../../core/fragments/put-media-ack.ts";
import {
  type IngestLimits,
  PutMediaIngest,
  type StreamCondition,
} from "../../core/fragments/put-media-ingest.ts";
import type { EndpointState } from "./endpoint-env.ts";

/** AWS reads a PutMedia body at up to 12.5 MB/s. */
const maxReadBytesPerSecond = 12.5e6;
/** Acks a client has not read: past this it is not reading at all, and is cut off. */
const maxUnreadAckBytes = 1 << 20;
/** How often the idle and no-data clocks are looked at. */
const tickMs = 500;

/** TEST ONLY: shorter idle and no-data periods. */
export const putMediaTestLimits: Partial<IngestLimits> = {};

function conditionOf(registry: Registry, name: string, arn: string): () => StreamCondition {
  return () => {
    const stream = registry.streams.get(name);
    if (!stream || stream.arn !== arn) return "DELETED";
    return stream.status === "ACTIVE" ? "ACTIVE" : "NOT_ACTIVE";
  };
}

export function putMedia(request: Request, state: EndpointState): Response {
  const { stream, timecodeType, producerStartMs, acknowledgments } = parsePutMediaRequest(
    request.headers,
    state.registry,
  );
  if (stream.status !== "ACTIVE") {
    throw resourceNotFound(`The requested stream is not found or not active: ${stream.arn}`);
  }
  const release = state.putMediaAdmission.admit(stream.arn);

  const encoder = new TextEncoder();
  let acks!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    state.stopping.removeEventListener("abort", close);
    clearInterval(timer);
    release();
    ingest.abort();
    try {
      acks.close();
    } catch { /* the client already went */ }
  };
  const send = (ack: FragmentAck) => {
    if (closed) return;
    acks.enqueue(encoder.encode(ackLine(ack)));
    if ((acks.desiredSize ?? 0) < -maxUnreadAckBytes) close();
  };
  const ingest = new PutMediaIngest({
    streamArn: stream.arn,
    dataRetentionInHours: stream.dataRetentionInHours,
    store: state.fragments,
    timecodeType,
    producerStartMs,
    acknowledgments,
    streamCondition: conditionOf(state.registry, stream.name, stream.arn),
    now: Date.now,
    send,
    limits: putMediaTestLimits,
  });
  const timer = setInterval(() => {
    if (ingest.tick() === "timeout") close();
  }, tickMs);
  state.stopping.addEventListener("abort", close, { once: true });
  // A client gone mid-body fails the pending read (request.signal is not used: Deno aborts it
  // on every finished response, too).
  const body = request.body?.getReader();

  /**
   * Reads the body into the ingest until the upload is over, then drops what still comes as
   * it comes, until the client ends or goes: the response is over, but cancelling the body
   * would leave Deno's server waiting for it forever (and erroring the response instead prints
   * a stack trace on both runtimes).
   */
  const read = async () => {
    const startMs = Date.now();
    let bytes = 0;
    try {
      for (;;) {
        const { value, done } = await body!.read();
        if (done) {
          await ingest.end();
          break;
        }
        if (closed) continue;
        await ingest.push(value);
        // After an ERROR ack the response ends (AWS ends the call; how it drops the connection
        // is not documented: a guess, and producer-c opens a new PutMedia either way).
        if (ingest.ended) close();
        bytes += value.length;
        const aheadMs = (bytes * 1000) / maxReadBytesPerSecond - (Date.now() - startMs);
        if (aheadMs > 1) await new Promise((wake) => setTimeout(wake, aheadMs));
      }
    } catch {
      // The connection broke mid-body: what was not acknowledged is the producer's to replay.
    } finally {
      close();
    }
  };

  const ackStream = new ReadableStream<Uint8Array>({
    start(controller) {
      acks = controller;
      if (body) read();
      else {
        ingest.end().finally(close);
      }
    },
    cancel: close,
  }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
  return new Response(ackStream, { status: 200, headers: { "content-type": "application/json" } });
}
