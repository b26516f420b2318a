import type {
  Connection,
  HttpServer,
  OutputStream,
  Runtime,
  ServeOptions,
  WebSocketHandlers,
} from "./types.ts";

function upgrade(
  req: Request,
  handlers: WebSocketHandlers,
  maxMessageBytes: number,
): Response {
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  socket.binaryType = "arraybuffer";
  const peer = {
    send: (data: string) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(data);
    },
    bufferedAmount: () => socket.bufferedAmount,
    close: (code?: number, reason?: string) => socket.close(code, reason),
  };
  socket.onopen = () => handlers.onOpen?.(peer);
  socket.onmessage = (e) => {
    // Deno has no read-side cap to set, so the message is refused once it is whole. A string is
    // measured in UTF-16 units, never more than its UTF-8 bytes: cheap, and never stricter.
    const data = typeof e.data === "string" ? e.data : new Uint8Array(e.data);
    if (data.length > maxMessageBytes) socket.close(1009, "Message too big");
    else handlers.onMessage?.(peer, data);
  };
  socket.onclose = (e) => handlers.onClose?.(peer, e.code, e.reason);
  return response;
}

function serve(options: ServeOptions): Promise<HttpServer> {
  return new Promise((resolve) => {
    // Stopping aborts this rather than calling shutdown(): shutdown waits for every request to
    // end, and a PutMedia body ends only when its producer stops sending.
    const closing = new AbortController();
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      signal: closing.signal,
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      onListen: () => {},
    }, (req, info) => {
      const conn: Connection = {
        remoteAddress: (info.remoteAddr as Deno.NetAddr).hostname,
        upgradeWebSocket: (upgradeReq, handlers) =>
          upgrade(upgradeReq, handlers, options.maxWebSocketMessageBytes),
      };
      return options.fetch(req, conn);
    });
    const addr = server.addr as Deno.NetAddr;
    resolve({
      hostname: addr.hostname,
      port: addr.port,
      stop: () => {
        closing.abort();
        return server.finished;
      },
    });
  });
}

/** Deno's async write to stdio runs on a blocking thread, off the event loop. */
async function writeOutput(stream: OutputStream, bytes: Uint8Array): Promise<void> {
  const file = stream === "stdout" ? Deno.stdout : Deno.stderr;
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

export const denoRuntime: Runtime = {
  name: "deno",
  serve,
  collectGarbage: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return gc !== undefined;
  },
  writeOutput,
};
