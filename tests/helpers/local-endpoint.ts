/** Test-side tools for the local endpoint: presigned signaling URLs, a WebSocket client that
 * queues what it receives, and a raw HTTP upgrade to read a refused handshake's status (or to
 * hold an accepted one open without ever reading from it). */
import { connect, type Socket } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A presigned signaling URL (spec §5.1), signed with @smithy/signature-v4 like the JS SDK. */
export async function presignedSignalingUrl(options: {
  endpoint: string;
  channelArn: string;
  clientId?: string;
  credentials: TestCredentials;
  region: string;
  signingDate?: Date;
  expiresIn?: number;
}): Promise<string> {
  const url = new URL(options.endpoint);
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: "kinesisvideo",
    sha256: Sha256,
  });
  const query: Record<string, string> = { "X-Amz-ChannelARN": options.channelArn };
  if (options.clientId !== undefined) query["X-Amz-ClientId"] = options.clientId;
  const signed = await signer.presign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port) || undefined,
    path: "/",
    query,
    headers: { host: url.host },
  }, { signingDate: options.signingDate, expiresIn: options.expiresIn ?? 299 });
  const params = Object.entries(signed.query as Record<string, string>)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return `${url.protocol}//${url.host}/?${params}`;
}

export interface ServiceEvent {
  messageType: string;
  messagePayload?: string;
  senderClientId?: string;
  statusResponse?: {
    correlationId: string;
    errorType: string;
    statusCode: string;
    description: string;
    success: boolean;
  };
}

/** A signaling WebSocket that keeps every event it receives until a test takes it. */
export class TestSignalingSocket {
  readonly events: ServiceEvent[] = [];
  closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      this.events.push(JSON.parse(String(e.data)));
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        resolve({ code: e.code, reason: e.reason });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  /** Opens the socket; rejects if the handshake is refused. */
  static open(url: string): Promise<TestSignalingSocket> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new TestSignalingSocket(ws));
      ws.onerror = () => reject(new Error(`WebSocket to ${url.split("?")[0]} was refused`));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Takes the first event matching `match`, waiting up to `timeoutMs` for it. */
  async next(match: (e: ServiceEvent) => boolean = () => true, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex(match);
      if (index >= 0) return this.events.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}

export const base64Json = (value: unknown) => btoa(JSON.stringify(value));
export const fromBase64Json = (text: string) => JSON.parse(atob(text));

/**
 * Sends a WebSocket upgrade by hand and returns the HTTP status, headers and body of the answer.
 * With `stopReading` the socket is kept, and read no more after the answer's head: a client that
 * never takes what the server sends it.
 */
export function rawUpgrade(url: string, options: { stopReading?: boolean } = {}): Promise<{
  status: number;
  headers: Map<string, string>;
  body: string;
  socket: Socket;
}> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
    });
    socket.on("data", (chunk: string) => {
      text += chunk;
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const headers = new Map(lines.map((l) => {
        const colon = l.indexOf(":");
        return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()] as [string, string];
      }));
      const length = Number(headers.get("content-length") ?? 0);
      if (text.length < end + 4 + length) return;
      if (options.stopReading) {
        socket.removeAllListeners("data");
        socket.pause();
      } else {
        socket.destroy();
      }
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: text.slice(end + 4, end + 4 + length),
        socket,
      });
    });
    socket.on("error", reject);
  });
}
