/**
 * The local endpoint as one hono application: one sub-app per AWS service under services/, all
 * in the one environment of endpoint-env.ts, with the middleware of middleware.ts around them:
 * every response carries `Date` and `x-amzn-RequestId`, every error AWS's shape, and every
 * request but the unsigned routes (the browser pages) is SigV4-verified.
 *
 * Adding a service (media: PutMedia, GetMedia; archived media) is one file under services/ and
 * one `app.route("/", …)` line among the signed services below. Each service answers its own
 * exact paths, so their order does not matter; a path none answers is UnknownOperationException.
 */
import { Hono } from "hono";
import { unknownOperation } from "../../core/local-endpoint/errors.ts";
import type { EndpointEnv, EndpointState } from "./endpoint-env.ts";
import { answerError, signed, stamp } from "./middleware.ts";
import { controlPlane } from "./services/control-plane.ts";
import { media } from "./services/media.ts";
import { signaling, signalingWebSocket } from "./services/signaling.ts";
import { webrtcStorage } from "./services/webrtc-storage.ts";

/** `unsignedRoutes` are served without SigV4; they see `c.env.conn`. */
export function createApp(
  state: EndpointState,
  unsignedRoutes: Hono<EndpointEnv>[] = [],
): Hono<EndpointEnv> {
  const app = new Hono<EndpointEnv>();
  app.onError(answerError);
  app.use("*", stamp, async (c, next) => {
    c.set("endpoint", state);
    await next();
  });
  // Before the unsigned routes: it shares GET / with the viewer page.
  app.route("/", signalingWebSocket);
  for (const routes of unsignedRoutes) app.route("/", routes);
  app.use("*", signed);

  app.route("/", controlPlane);
  app.route("/", signaling);
  app.route("/", webrtcStorage);
  app.route("/", media);

  app.all("*", (c) => {
    throw unknownOperation(new URL(c.req.url).pathname);
  });
  return app;
}
