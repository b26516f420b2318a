/** The few things Deno and Bun do differently, behind one small interface. */

export interface WebSocketPeer {
  send(data: string): void;
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
}
