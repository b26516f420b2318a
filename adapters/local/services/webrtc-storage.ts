/**
 * The KVS WebRTC storage service: JoinStorageSession (master, or the C SDK's viewer with a
 * clientId, spec §4.1) and JoinStorageSessionAsViewer. Its errors spell `message` in lower case.
 */
import { type Context, Hono } from "hono";
import {
  asStorageError,
  invalidArgument,
  resourceNotFound,
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
  const { registry, relay, storage } = c.var.endpoint;
  const streamArn = channel.mediaStorage.streamArn;
  if (channel.mediaStorage.status !== "ENABLED" || !streamArn) {
    throw invalidArgument(
      `The channel ${channel.name} is not mapped to a stream: enable media storage with UpdateMediaStorageConfiguration.`,
    );
  }
  if (registry.findStream(streamArn)?.status !== "ACTIVE") {
    throw resourceNotFound(
      `The stream ${streamArn} mapped to channel ${channel.name} is not found.`,
    );
  }
  // AWS's error for a join with no master on the channel is not documented: a guess.
  if (!relay.hasMaster(channel.arn)) {
    throw resourceNotFound(`No master is connected to the channel ${channel.name}.`);
  }
  if (clientId !== undefined) {
    // A viewer joins the session the master's join started, over its open signaling (spec
    // §4.2); AWS's errors when either is missing are not documented: guesses.
    const session = storage.session(channel.arn);
    if (!session) {
      throw resourceNotFound(`No storage session runs on the channel ${channel.name}.`);
    }
    if (!relay.hasViewer(channel.arn, clientId)) {
      throw resourceNotFound(
        `The viewer ${clientId} is not connected to the channel ${channel.name}.`,
      );
    }
    // Accepted: the media server now offers the session's media to the viewer.
    session.forwarding.join(clientId);
    return c.json({});
  }
  // Accepted: the storage peer now sends its SDP offer to the master over the relay.
  storage.join(channel, streamArn);
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
