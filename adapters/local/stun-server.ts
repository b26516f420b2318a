/** The endpoint's STUN server: answers RFC 5389 Binding requests over UDP with the sender's address. */
import { createSocket, type RemoteInfo } from "node:dgram";
import {
  bindingRequestType,
  buildBindingSuccess,
  parseStunMessage,
} from "../../core/stun/message.ts";

export interface StunServer {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

export function startStunServer(hostname: string, port = 0): Promise<StunServer> {
  const socket = createSocket(hostname.includes(":") ? "udp6" : "udp4");
  socket.on("message", (bytes: Uint8Array, from: RemoteInfo) => {
    const message = parseStunMessage(new Uint8Array(bytes));
    if (message?.type !== bindingRequestType) return; // not a Binding request: ignored
    // Node reports "IPv4"/"IPv6"; some versions report 4/6.
    const family = String(from.family).endsWith("6") ? "IPv6" : "IPv4";
    try {
      const response = buildBindingSuccess(message.transactionId, {
        family,
        address: from.address,
        port: from.port,
      });
      socket.send(response, from.port, from.address);
    } catch {
      // An address we cannot encode: nothing sensible to answer.
    }
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, hostname, () => {
      socket.off("error", reject);
      socket.on("error", () => {}); // a failed send to one client must not stop the server
      resolve({
        hostname,
        port: socket.address().port,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
