/**
 * KVS ICE servers ({urls, username, credential}, as GetIceServerConfig and the WebRTC API
 * write them) in node-datachannel's form: one entry per URL, TURN with its relay type.
 */
import type { IceServer as NdcIceServer } from "node-datachannel";
import type { IceServer } from "../aws/mod.ts";

export function toNdcIceServers(servers: readonly IceServer[]): NdcIceServer[] {
  return servers.flatMap((server) =>
    server.urls.map((url) => toNdcIceServer(url, server.username, server.credential))
  );
}

function toNdcIceServer(url: string, username?: string, password?: string): NdcIceServer {
  const match = /^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i
    .exec(url);
  if (!match) throw new Error(`ICE server URL "${url}" is not a stun:, turn: or turns: URL`);
  const [, scheme, host, port, transport] = match;
  const hostname = host.replace(/^\[|\]$/g, "");
  const secure = scheme.toLowerCase().endsWith("s");
  const defaultPort = secure ? 5349 : 3478;
  const entry: NdcIceServer = { hostname, port: port ? Number(port) : defaultPort };
  if (scheme.toLowerCase().startsWith("turn")) {
    entry.username = username;
    entry.password = password;
    entry.relayType = secure
      ? "TurnTls"
      : transport?.toLowerCase() === "tcp"
      ? "TurnTcp"
      : "TurnUdp";
  }
  return entry;
}
