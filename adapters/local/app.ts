/**
 * The local endpoint as one hono application: the KVS control plane, the signaling HTTPS API and
 * WebSocket, and the WebRTC storage API, all on one host, every request SigV4-verified, every
 * response carrying `Date` and `x-amzn-RequestId`, every error in AWS's shape.
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import type { Connection } from "../runtime/mod.ts";
import {
  asStorageError,
  invalidArgument,
  ServiceError,
  unknownOperation,
} from "../../core/local-endpoint/errors.ts";
import {
  type JsonObject,
  optionalEnum,
  optionalString,
  parseJsonObject,
  requiredString,
} from "../../core/local-endpoint/fields.ts";
import { arnPattern, checkClientId, clientIdPattern } from "../../core/local-endpoint/names.ts";
import { type AwsCredentials, verifySigV4 } from "../../core/local-endpoint/sigv4-verify.ts";
import { controlPlaneOperations } from "../../core/local-endpoint/control-plane.ts";
import type { Registry } from "../../core/local-endpoint/registry.ts";
import type { SignalingRelay } from "../../core/local-endpoint/signaling-relay.ts";
import { iceServerList, type TurnSettings } from "../../core/local-endpoint/ice-servers.ts";

export interface EndpointState {
  region: string;
  registry: Registry;
  relay: SignalingRelay;
  /** Access key id -> credentials this endpoint accepts. */
  credentials: Map<string, AwsCredentials>;
  stunPort: number;
  turn?: TurnSettings;
  /** Signs the STUN entry's time-limited credentials. */
  localSecret: string;
  /** Routes served without SigV4 (browser pages, IoT credentials); they see `c.env.conn`. */
  unsignedRoutes?: Hono<AppEnv>[];
}

export type AppEnv = { Bindings: { conn: Connection }; Variables: { body: Uint8Array } };

const maxBodyBytes = 1 << 20;

function errorResponse(error: ServiceError): Response {
  return new Response(JSON.stringify(error.body()), {
    status: error.status,
    headers: { "content-type": "application/json", "x-amzn-ErrorType": error.errorType },
  });
}

/** `Date` (clients correct clock skew with it) and a request id on every response but a 101. */
const stamp: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  c.res.headers.set("Date", new Date().toUTCString());
  c.res.headers.set("x-amzn-RequestId", crypto.randomUUID());
};

async function readBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > maxBodyBytes) {
    throw new ServiceError(
      "SerializationException",
      413,
      `The request body is over ${maxBodyBytes} bytes.`,
    );
  }
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > maxBodyBytes) {
    throw new ServiceError(
      "SerializationException",
      413,
      `The request body is over ${maxBodyBytes} bytes.`,
    );
  }
  return body;
}

function verifier(state: EndpointState): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const body = await readBody(c);
    await verifySigV4(
      {
        method: c.req.method,
        path: url.pathname,
        query: url.search.slice(1),
        headers: c.req.raw.headers,
        body,
      },
      { region: state.region, lookup: (id) => state.credentials.get(id) },
    );
    c.set("body", body);
    await next();
  };
}

/** The URLs a client reached this endpoint at: port-less on 443 with TLS, as the C SDK needs. */
function endpointUrls(c: Context<AppEnv>) {
  const origin = new URL(c.req.url).origin;
  return { https: origin, wss: origin.replace(/^http/, "ws") };
}

function signalingConnect(state: EndpointState): MiddlewareHandler<AppEnv> {
  const verify = verifier(state);
  return async (c, next) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
    await verify(c, () => Promise.resolve());
    const channelArn = c.req.query("X-Amz-ChannelARN");
    if (!channelArn || !arnPattern.test(channelArn)) {
      throw invalidArgument("X-Amz-ChannelARN must be the ARN of a signaling channel.");
    }
    const channel = state.registry.channelByArn(channelArn);
    const clientId = c.req.query("X-Amz-ClientId");
    if (clientId !== undefined) checkClientId(clientId);
    const connection = state.relay.admit(
      { arn: channel.arn, messageTtlSeconds: channel.messageTtlSeconds },
      clientId === undefined ? "MASTER" : "VIEWER",
      clientId,
    );
    return c.env.conn.upgradeWebSocket(c.req.raw, {
      onOpen: (ws) => connection.open(ws),
      onMessage: (_ws, data) => connection.receive(data),
      onClose: () => connection.closed(),
    });
  };
}

function channelFor(state: EndpointState, body: JsonObject, key: string) {
  return state.registry.channelByArn(requiredString(body, key, { pattern: arnPattern, max: 1024 }));
}

function storageRoute(state: EndpointState, asViewer: boolean) {
  return (c: Context<AppEnv>) => {
    try {
      const body = parseJsonObject(c.get("body"));
      const channel = channelFor(state, body, "channelArn");
      // The C SDK's viewer joins through /joinStorageSession with a clientId (spec §4.1).
      const clientId = asViewer
        ? requiredString(body, "clientId", { pattern: clientIdPattern, min: 1, max: 256 })
        : optionalString(body, "clientId", { pattern: clientIdPattern, min: 1, max: 256 });
      if (clientId !== undefined) checkClientId(clientId);
      if (channel.mediaStorage.status !== "ENABLED") {
        throw invalidArgument(
          `The channel ${channel.name} is not mapped to a stream: enable media storage with UpdateMediaStorageConfiguration.`,
        );
      }
      // Accepted. The storage peer that then sends its SDP offer is not built yet.
      return c.json({});
    } catch (error) {
      throw error instanceof ServiceError ? asStorageError(error) : error;
    }
  };
}

export function createApp(state: EndpointState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error) => {
    if (error instanceof ServiceError) return errorResponse(error);
    console.error(`local endpoint: ${(error as Error)?.stack ?? error}`);
    return errorResponse(
      new ServiceError("InternalFailure", 500, "The endpoint failed on this request."),
    );
  });
  app.use("*", stamp);
  app.get("/", signalingConnect(state));
  for (const routes of state.unsignedRoutes ?? []) app.route("/", routes);
  app.use("*", verifier(state));

  app.post("/v1/get-ice-server-config", async (c) => {
    const body = parseJsonObject(c.get("body"));
    const channel = channelFor(state, body, "ChannelARN");
    optionalString(body, "ClientId", { pattern: clientIdPattern, min: 1, max: 256 });
    optionalEnum(body, "Service", ["TURN"]);
    const host = new URL(c.req.url).hostname;
    return c.json({
      IceServerList: await iceServerList({
        stunUrl: `stun:${host}:${state.stunPort}`,
        localSecret: state.localSecret,
        turn: state.turn,
        channelArn: channel.arn,
        nowMs: Date.now(),
      }),
    });
  });
  app.post("/joinStorageSession", storageRoute(state, false));
  app.post("/joinStorageSessionAsViewer", storageRoute(state, true));
  app.post("/:operation", (c) => {
    const path = new URL(c.req.url).pathname;
    const operation = controlPlaneOperations[path];
    if (!operation) throw unknownOperation(path);
    const body = parseJsonObject(c.get("body"));
    return c.json(
      operation(body, { registry: state.registry, urls: endpointUrls(c), now: Date.now }),
    );
  });
  app.all("*", (c) => {
    throw unknownOperation(new URL(c.req.url).pathname);
  });
  return app;
}
