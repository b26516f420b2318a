/**
 * The KVS WebRTC storage service: JoinStorageSession (master, or the C SDK's viewer with a
 * clientId, spec §4.1) and JoinStorageSessionAsViewer. Its errors spell `message` in lower case.
 */
import { type Context, Hono } from "hono";
import {
  asStorageError,
  invalidArgument,
  ServiceError,
} from "../../../core/local-endpoint/errors.ts";
import {
  optionalString,
  parseJsonObject,
  requiredString,
} from "../../../core/local-endpoint/fields.ts";
import { checkClientId, clientIdPattern } from "../../../core/local-endpoint/names.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { channelNamedIn } from "./channel.ts";

function join(c: Context<EndpointEnv>, asViewer: boolean) {
  const body = parseJsonObject(c.var.body);
  const channel = channelNamedIn(c.var.endpoint.registry, body, "channelArn");
  const clientIdRule = { pattern: clientIdPattern, min: 1, max: 256 };
  const clientId = asViewer
    ? requiredString(body, "clientId", clientIdRule)
    : optionalString(body, "clientId", clientIdRule);
  if (clientId !== undefined) checkClientId(clientId);
  if (channel.mediaStorage.status !== "ENABLED") {
    throw invalidArgument(
      `The channel ${channel.name} is not mapped to a stream: enable media storage with UpdateMediaStorageConfiguration.`,
    );
  }
  // Accepted. The storage peer that then sends its SDP offer is not built yet.
  return c.json({});
}

function joinRoute(asViewer: boolean) {
  return (c: Context<EndpointEnv>) => {
    try {
      return join(c, asViewer);
    } catch (error) {
      throw error instanceof ServiceError ? asStorageError(error) : error;
    }
  };
}

export const webrtcStorage = new Hono<EndpointEnv>();

webrtcStorage.post("/joinStorageSession", joinRoute(false));
webrtcStorage.post("/joinStorageSessionAsViewer", joinRoute(true));
