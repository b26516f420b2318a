import type {
  HttpServer,
  OutputStream,
  Runtime,
  ServeOptions,
  WebSocketHandlers,
  WebSocketPeer,
} from "./types.ts";

// The slice of Bun's API used here, declared so that Deno can type-check this file.
interface BunSocket {
  data: { handlers: WebSocketHandlers; peer?: WebSocketPeer };
  readyState: number;
  /** -1: queued behind backpressure; 0: dropped (past backpressureLimit); else bytes sent. */
  send(data: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}
interface BunServer {
  hostname: string;
  port: number;
  upgrade(req: Request, options: { data: BunSocket["data"] }): boolean;
  requestIP(req: Request): { address: string } | null;
  stop(closeActive?: boolean): Promise<void>;
}
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    tls?: { cert: string; key: string };
    idleTimeout?: number;
    fetch(req: Request, server: BunServer): Response | Promise<Response> | undefined;
    websocket: {
      idleTimeout?: number;
      sendPings?: boolean;
      maxPayloadLength?: number;
      open(ws: BunSocket): void;
      message(ws: BunSocket, msg: string | Uint8Array): void;
      close(ws: BunSocket, code: number, reason: string): void;
    };
  }): BunServer;
  gc(force: boolean): void;
};

function peerOf(ws: BunSocket): WebSocketPeer {
  ws.data.peer ??= {
    send: (data) => {
      if (ws.readyState === 1) ws.send(data);
    },
    bufferedAmount: () => ws.getBufferedAmount(),
    close: (code, reason) => ws.close(code, reason),
  };
  return ws.data.peer;
}

function serve(options: ServeOptions): Promise<HttpServer> {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls ? { tls: options.tls } : {}),
    idleTimeout: 0,
    fetch: (req, srv) =>
      options.fetch(req, {
        remoteAddress: srv.requestIP(req)?.address ?? "",
        upgradeWebSocket(upgradeReq, handlers) {
          if (!srv.upgrade(upgradeReq, { data: { handlers } })) {
            return new Response("WebSocket upgrade failed", { status: 400 });
          }
          // Bun ignores the response once the upgrade has happened.
          return new Response(null, { status: 101 });
        },
      }),
    websocket: {
      // Idle and lifetime limits are the endpoint's own business (KVS rules), not Bun's.
      idleTimeout: 0,
      sendPings: true,
      // Bun closes the socket with 1009 before buffering more than this.
      maxPayloadLength: options.maxWebSocketMessageBytes,
      open: (ws) => ws.data.handlers.onOpen?.(peerOf(ws)),
      message: (ws, msg) => ws.data.handlers.onMessage?.(peerOf(ws), msg),
      close: (ws, code, reason) => ws.data.handlers.onClose?.(peerOf(ws), code, reason),
    },
  });
  return Promise.resolve({
    hostname: server.hostname,
    port: server.port,
    stop: () => server.stop(true),
  });
}

/** Bun's process.stdout and process.stderr write a pipe asynchronously (console.* do not). */
function writeOutput(stream: OutputStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) =>
    process[stream].write(bytes, (error) => error ? reject(error) : resolve())
  );
}

export const bunRuntime: Runtime = {
  name: "bun",
  serve,
  collectGarbage: () => {
    Bun.gc(true);
    return true;
  },
  writeOutput,
};
