/**
 * The KVS signaling service: the HTTPS API (GetIceServerConfig) and the WebSocket a master or
 * viewer connects to with a presigned URL, relayed by core/local-endpoint/signaling-relay.ts.
 */
import { Hono } from "hono";
import { invalidArgument } from "../../../core/local-endpoint/errors.ts";
import {
  optionalEnum,
  optionalString,
  parseJsonObject,
} from "../../../core/local-endpoint/fields.ts";
import { arnPattern, checkClientId, clientIdPattern } from "../../../core/local-endpoint/names.ts";
import { iceServerList } from "../../../core/local-endpoint/ice-servers.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { verifySignature } from "../middleware.ts";
import { channelNamedIn } from "./channel.ts";

/**
 * `GET /` with `Upgrade: websocket`. It shares its path with the viewer page, so the app mounts
 * it before the unsigned routes and it checks the URL's signature itself; any other `GET /`
 * passes on.
 */
export const signalingWebSocket = new Hono<EndpointEnv>();

signalingWebSocket.get("/", async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
  await verifySignature(c);
  const { registry, relay } = c.var.endpoint;
  const channelArn = c.req.query("X-Amz-ChannelARN");
  if (!channelArn || !arnPattern.test(channelArn)) {
    throw invalidArgument("X-Amz-ChannelARN must be the ARN of a signaling channel.");
  }
  const channel = registry.channelByArn(channelArn);
  const clientId = c.req.query("X-Amz-ClientId");
  if (clientId !== undefined) checkClientId(clientId);
  const connection = relay.admit(
    { arn: channel.arn, messageTtlSeconds: channel.messageTtlSeconds },
    clientId === undefined ? "MASTER" : "VIEWER",
    clientId,
  );
  return c.env.conn.upgradeWebSocket(c.req.raw, {
    onOpen: (ws) => connection.open(ws),
    onMessage: (_ws, data) => connection.receive(data),
    onClose: () => connection.closed(),
  });
});

/** The signed HTTPS API. */
export const signaling = new Hono<EndpointEnv>();

signaling.post("/v1/get-ice-server-config", async (c) => {
  const { registry, stunPort, localSecret, turn } = c.var.endpoint;
  const body = parseJsonObject(c.var.body);
  const channel = channelNamedIn(registry, body, "ChannelARN");
  optionalString(body, "ClientId", { pattern: clientIdPattern, min: 1, max: 256 });
  optionalEnum(body, "Service", ["TURN"]);
  const host = new URL(c.req.url).hostname;
  return c.json({
    IceServerList: await iceServerList({
      stunUrl: `stun:${host}:${stunPort}`,
      localSecret,
      turn,
      channelArn: channel.arn,
      nowMs: Date.now(),
    }),
  });
});
