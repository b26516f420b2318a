import type { Connection, HttpServer, Runtime, ServeOptions, WebSocketHandlers } from "./types.ts";

function upgrade(req: Request, handlers: WebSocketHandlers): Response {
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  socket.binaryType = "arraybuffer";
  const peer = {
    send: (data: string) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(data);
    },
    close: (code?: number, reason?: string) => socket.close(code, reason),
  };
  socket.onopen = () => handlers.onOpen?.(peer);
  socket.onmessage = (e) =>
    handlers.onMessage?.(peer, typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  socket.onclose = (e) => handlers.onClose?.(peer, e.code, e.reason);
  return response;
}

function serve(options: ServeOptions): Promise<HttpServer> {
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      onListen: () => {},
    }, (req, info) => {
      const conn: Connection = {
        remoteAddress: (info.remoteAddr as Deno.NetAddr).hostname,
        upgradeWebSocket: upgrade,
      };
      return options.fetch(req, conn);
    });
    const addr = server.addr as Deno.NetAddr;
    resolve({ hostname: addr.hostname, port: addr.port, stop: () => server.shutdown() });
  });
}

export const denoRuntime: Runtime = {
  name: "deno",
  serve,
  collectGarbage: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return gc !== undefined;
  },
};
