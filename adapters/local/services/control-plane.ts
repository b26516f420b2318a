/**
 * The KVS control plane (`kinesisvideo`): one POST route per operation of
 * core/local-endpoint/control-plane.ts, each answering with the URLs the client reached us at.
 */
import { type Context, Hono } from "hono";
import { controlPlaneOperations } from "../../../core/local-endpoint/control-plane.ts";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import type { EndpointEnv } from "../endpoint-env.ts";

/** The URLs a client reached this endpoint at: port-less on 443 with TLS, as the C SDK needs. */
export function endpointUrls(c: Context<EndpointEnv>) {
  const origin = new URL(c.req.url).origin;
  return { https: origin, wss: origin.replace(/^http/, "ws") };
}

export const controlPlane = new Hono<EndpointEnv>();

for (const [path, operation] of Object.entries(controlPlaneOperations)) {
  controlPlane.post(path, (c) =>
    c.json(
      operation(parseJsonObject(c.var.body), {
        registry: c.var.endpoint.registry,
        urls: endpointUrls(c),
        now: Date.now,
      }),
    ));
}
