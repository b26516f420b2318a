/** The few things Deno and Bun do differently, behind one small interface. */

export interface WebSocketPeer {
  send(data: string): void;
  /** Bytes sent but not yet handed to the operating system: what a peer that does not read
   * makes grow (Bun: getBufferedAmount(); Deno: the WebSocket's bufferedAmount). */
  bufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

export interface WebSocketHandlers {
  onOpen?(ws: WebSocketPeer): void;
  onMessage?(ws: WebSocketPeer, data: string | Uint8Array): void;
  onClose?(ws: WebSocketPeer, code: number, reason: string): void;
}

export interface Connection {
  /** The peer's IP address as the server saw it. */
  remoteAddress: string;
  /** Accept a WebSocket upgrade; return the response to hand back to the server. */
  upgradeWebSocket(req: Request, handlers: WebSocketHandlers): Response;
}

export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM text. */
  tls?: { cert: string; key: string };
  /** A WebSocket message longer than this closes its socket with 1009. Bun refuses it while
   * reading; Deno hands it over whole (up to its own 64 MiB cap), then it is closed. */
  maxWebSocketMessageBytes: number;
  fetch(req: Request, conn: Connection): Response | Promise<Response>;
}

export interface HttpServer {
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

export interface Runtime {
  name: "deno" | "bun";
  serve(options: ServeOptions): Promise<HttpServer>;
  /** A full garbage collection, now; false when the runtime does not offer one (Deno without
   * `--v8-flags=--expose-gc`). Benchmarks use it to measure what is kept, not what awaits GC. */
  collectGarbage(): boolean;
  /**
   * Writes all of `bytes` to stdout or stderr without blocking the event loop (console.log and
   * console.error block while a pipe's reader is behind); rejects when the stream is gone.
   */
  writeOutput(stream: OutputStream, bytes: Uint8Array): Promise<void>;
}

export type OutputStream = "stdout" | "stderr";
