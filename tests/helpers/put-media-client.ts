/**
 * A PutMedia client that uploads as producer-c does on the wire (spec §6.1, §6.5): raw HTTP/1.1
 * over node:net, producer-c's headers signed with @smithy/signature-v4 and the empty-string
 * payload hash (host without its port), `Expect: 100-continue`, a chunked body in chunks of up
 * to 64 KiB that do not line up with MKV elements, a Segment and Clusters of unknown size, a
 * Tags with END_OF_FRAGMENT after each fragment, and acks read as they come. A producer can
 * drop its connection mid-fragment and reconnect with a fresh header, replaying what was not
 * PERSISTED.
 */
import { connect, type Socket } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import type { Fragment, MkvTrack } from "../../core/fragments/fragment.ts";
import type { FragmentAck } from "../../core/fragments/put-media-ack.ts";
import { fragmentElements, mkvHeader } from "../../core/mkv/mkv-writer.ts";
import type { TestCredentials } from "./local-endpoint.ts";

export interface UploadEndpoint {
  /** The data endpoint, e.g. http://127.0.0.1:PORT. */
  url: string;
  region: string;
  credentials: TestCredentials;
}

export interface PutMediaTarget {
  streamName?: string;
  streamArn?: string;
  timecodeType?: "ABSOLUTE" | "RELATIVE";
  /** ms since the epoch; sent as producer-c prints it (`<s>.<ms unpadded>`). */
  producerStartMs?: number;
  /** Extra or replacing headers, signed (tests of the endpoint's refusals). */
  headers?: Record<string, string>;
  signingDate?: Date;
}

/** The largest HTTP chunk producer-c's curl sends. */
export const maxChunkBytes = 64 * 1024;

/** producer-c's print of the start timestamp: seconds, a dot, milliseconds without padding. */
export const producerStartHeader = (ms: number) => `${Math.floor(ms / 1000)}.${ms % 1000}`;

/** The signed request head, exactly producer-c's headers (content-type added, unsigned). */
async function requestHead(endpoint: UploadEndpoint, target: PutMediaTarget): Promise<string> {
  const url = new URL(endpoint.url);
  const headers: Record<string, string> = {
    connection: "keep-alive",
    host: url.hostname, // producer-c drops the port before signing
    "transfer-encoding": "chunked",
    "user-agent": "AWS-SDK-KVS-CPP-CLIENT/3.4.1 kvsrtc-test",
    "x-amzn-fragment-acknowledgment-required": "1",
    "x-amzn-fragment-timecode-type": target.timecodeType ?? "ABSOLUTE",
    "x-amzn-producer-start-timestamp": producerStartHeader(
      target.producerStartMs ?? Date.now(),
    ),
    ...(target.streamArn !== undefined
      ? { "x-amzn-stream-arn": target.streamArn }
      : { "x-amzn-stream-name": target.streamName ?? "" }),
    ...target.headers,
  };
  const signer = new SignatureV4({
    credentials: endpoint.credentials,
    region: endpoint.region,
    service: "kinesisvideo",
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: "POST", protocol: "http:", hostname: url.hostname, path: "/putMedia", headers },
    { signingDate: target.signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const lines = Object.entries({
    ...signed.headers,
    "content-type": "application/json",
    expect: "100-continue",
  }).map(([name, value]) => `${name}: ${value}`);
  return `POST /putMedia HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

/** One PutMedia connection: the request sent, the response and its ack lines read. */
export class PutMediaConnection {
  /** The response status; 100 Continue is noted in `continued`, not here. */
  status = 0;
  continued = false;
  responseHeaders = new Map<string, string>();
  /** A refusal's JSON body (non-200). */
  errorBody = "";
  /** The response's last chunk came (the server may keep the connection open after it). */
  responseEnded = false;
  readonly acks: FragmentAck[] = [];
  readonly closed: Promise<void>;
  #text = "";
  #headDone = false;
  #waiters: (() => void)[] = [];
  #ended = false;
  #partial = "";

  private constructor(readonly socket: Socket, readonly onAck?: (ack: FragmentAck) => void) {
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.#text += chunk;
      this.#read();
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#ended = true;
        this.#wake();
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  /** Connects and sends the head; resolves once 100 Continue or the response head arrived. */
  static async open(
    endpoint: UploadEndpoint,
    target: PutMediaTarget,
    onAck?: (ack: FragmentAck) => void,
  ): Promise<PutMediaConnection> {
    const head = await requestHead(endpoint, target);
    const url = new URL(endpoint.url);
    const socket = connect(Number(url.port) || 80, url.hostname);
    const connection = new PutMediaConnection(socket, onAck);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.write(head);
    // curl waits up to 1 s for 100 Continue, then sends the body anyway.
    await connection.#until(() => connection.continued || connection.status > 0, 1000)
      .catch(() => {});
    return connection;
  }

  /** Sends `bytes` as HTTP chunks of the given sizes (default: one of up to 64 KiB each). */
  write(bytes: Uint8Array, chunkSizes: () => number = () => maxChunkBytes): void {
    for (let at = 0; at < bytes.length;) {
      const size = Math.min(Math.max(1, chunkSizes()), maxChunkBytes, bytes.length - at);
      this.socket.write(`${size.toString(16)}\r\n`);
      this.socket.write(bytes.subarray(at, at + size));
      this.socket.write("\r\n");
      at += size;
    }
  }

  /** The last chunk: the body ends. */
  end(): void {
    this.socket.write("0\r\n\r\n");
  }

  /** The connection cut, as a network drop would. */
  drop(): void {
    this.socket.destroy();
  }

  /** Resolves when `done()` holds; rejects after `timeoutMs` or when the connection closed. */
  #until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) return resolve();
        if (this.#ended) return reject(new Error("the PutMedia connection closed"));
        const left = deadline - Date.now();
        if (left <= 0) return reject(new Error(`no matching PutMedia ack within ${timeoutMs} ms`));
        const timer = setTimeout(check, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          check();
        });
      };
      check();
    });
  }

  /** Waits for an ack matching `match` (every ack so far is in `acks`). */
  async ack(match: (ack: FragmentAck) => boolean, timeoutMs = 10_000): Promise<FragmentAck> {
    await this.#until(() => this.acks.some(match), timeoutMs);
    return this.acks.find(match)!;
  }

  /** Waits for the response's end: its last chunk, or the connection closing. */
  async ended(timeoutMs = 10_000): Promise<void> {
    await this.#until(() => this.responseEnded, timeoutMs).catch(() => {
      if (!this.#ended) throw new Error(`the PutMedia response did not end within ${timeoutMs} ms`);
    });
  }

  /** Waits for the response head (status and headers). */
  response(timeoutMs = 10_000): Promise<void> {
    return this.#until(() => this.status > 0, timeoutMs);
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #read(): void {
    if (!this.#headDone) {
      const end = this.#text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...lines] = this.#text.slice(0, end).split("\r\n");
      this.#text = this.#text.slice(end + 4);
      const status = Number(statusLine.split(" ")[1]);
      if (status === 100) {
        this.continued = true;
        return this.#read();
      }
      for (const line of lines) {
        const colon = line.indexOf(":");
        this.responseHeaders.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      this.status = status;
      this.#headDone = true;
    }
    this.#readBody();
  }

  /**
   * The body, chunked or (a response complete before it started, as Bun sends one) of a
   * Content-Length: every complete line of a 200 is an ack.
   */
  #readBody(): void {
    let body = "";
    if (this.responseHeaders.get("transfer-encoding") !== "chunked") {
      const length = Number(this.responseHeaders.get("content-length") ?? 0);
      if (this.#text.length < length || this.responseEnded) return;
      body = this.#text.slice(0, length);
      this.#text = "";
      this.responseEnded = true;
    }
    while (!this.responseEnded) {
      const lineEnd = this.#text.indexOf("\r\n");
      if (lineEnd < 0) break;
      const size = parseInt(this.#text.slice(0, lineEnd), 16);
      if (this.#text.length < lineEnd + 2 + size + 2) break;
      body += this.#text.slice(lineEnd + 2, lineEnd + 2 + size);
      this.#text = this.#text.slice(lineEnd + 4 + size);
      if (size === 0) {
        this.responseEnded = true;
        break;
      }
    }
    this.#partial += body;
    const lines = this.#partial.split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) {
      if (this.status !== 200) {
        this.errorBody += line;
        continue;
      }
      const ack = JSON.parse(line);
      this.acks.push(ack);
      this.onAck?.(ack);
    }
    if (this.status !== 200) this.errorBody += this.#partial;
  }
}

const isAck = (type: FragmentAck["EventType"], timecode: number) => (ack: FragmentAck) =>
  ack.EventType === type && "FragmentTimecode" in ack && ack.FragmentTimecode === timecode;

/** Chunk sizes from 1 KiB to 64 KiB, seeded, so chunks never line up with elements. */
export function unalignedChunks(seed = 1): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 1024 + (state % (maxChunkBytes - 1024));
  };
}

/**
 * A producer of one stream: fragments go out as producer-c sends them, and those not yet
 * PERSISTED are kept, to replay on a new connection after a drop.
 */
export class PutMediaProducer {
  connection!: PutMediaConnection;
  /** Fragments sent but not PERSISTED, by Cluster Timecode. */
  readonly unpersisted = new Map<number, Fragment>();
  /** Every connection's acks, in order. */
  readonly acks: FragmentAck[] = [];
  readonly #chunks = unalignedChunks();

  constructor(
    readonly endpoint: UploadEndpoint,
    readonly target: PutMediaTarget,
    readonly tracks: readonly MkvTrack[],
  ) {}

  #clusterTimecode(fragment: Fragment): number {
    return this.target.timecodeType === "RELATIVE"
      ? fragment.producerTimestampMs - (this.target.producerStartMs ?? 0)
      : fragment.producerTimestampMs;
  }

  /** Opens a connection and sends a fresh header, then replays every unpersisted fragment. */
  async connect(): Promise<PutMediaConnection> {
    const connection = await PutMediaConnection.open(this.endpoint, this.target, (ack) => {
      this.acks.push(ack);
      if (ack.EventType === "PERSISTED") this.unpersisted.delete(ack.FragmentTimecode);
    });
    this.connection = connection;
    connection.write(concatBytes(mkvHeader({ tracks: this.tracks })), this.#chunks);
    for (const fragment of [...this.unpersisted.values()]) this.#write(fragment);
    return connection;
  }

  #write(fragment: Fragment, cutAfterBytes?: number): void {
    const bytes = concatBytes(fragmentElements(fragment, this.#clusterTimecode(fragment)));
    this.connection.write(bytes.subarray(0, cutAfterBytes), this.#chunks);
  }

  /** Sends a fragment; with `cutAfterBytes` only its start, then the connection drops. */
  send(fragment: Fragment, cutAfterBytes?: number): void {
    this.unpersisted.set(this.#clusterTimecode(fragment), fragment);
    this.#write(fragment, cutAfterBytes);
    if (cutAfterBytes !== undefined) this.connection.drop();
  }

  /** Waits for a fragment's ack of the given type on the current connection. */
  ack(type: FragmentAck["EventType"], fragment: Fragment, timeoutMs?: number) {
    return this.connection.ack(isAck(type, this.#clusterTimecode(fragment)), timeoutMs);
  }

  /** Ends the body once every fragment is PERSISTED (as producer-c does at shutdown). */
  async finish(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const fragment of [...this.unpersisted.values()]) {
      await this.ack("PERSISTED", fragment, Math.max(1, deadline - Date.now()));
    }
    this.connection.end();
    await this.connection.ended();
    this.connection.drop();
  }
}

/**
 * Uploads `fragments` (with `tracks`) to an existing stream as producer-c would, and resolves
 * with their PERSISTED acks once every one is stored.
 */
export async function uploadFragments(
  endpoint: UploadEndpoint,
  streamName: string,
  fragments: readonly Fragment[],
  tracks: readonly MkvTrack[],
): Promise<FragmentAck[]> {
  const producer = new PutMediaProducer(endpoint, { streamName }, tracks);
  const connection = await producer.connect();
  for (const fragment of fragments) producer.send(fragment);
  try {
    await producer.finish();
  } catch (failure) {
    const error = producer.acks.find((a) => a.EventType === "ERROR");
    if (error) throw new Error(`PutMedia acknowledged ${JSON.stringify(error)}`);
    if (connection.status !== 200) {
      throw new Error(`PutMedia answered ${connection.status}: ${connection.errorBody}`);
    }
    throw failure;
  }
  return producer.acks.filter((a) => a.EventType === "PERSISTED");
}
