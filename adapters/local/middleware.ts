/**
 * What every service of the local endpoint shares: the `Date` and request-id stamp, the SigV4
 * check (with its body bound) and AWS's error shape.
 */
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import { ServiceError } from "../../core/local-endpoint/errors.ts";
import { verifySigV4 } from "../../core/local-endpoint/sigv4-verify.ts";
import type { EndpointEnv } from "./endpoint-env.ts";

const maxBodyBytes = 1 << 20;

function errorResponse(error: ServiceError): Response {
  return new Response(JSON.stringify(error.body()), {
    status: error.status,
    headers: { "content-type": "application/json", "x-amzn-ErrorType": error.errorType },
  });
}

/**
 * A ServiceError in AWS's shape; anything else is logged, in one line (no stack trace reaches a
 * user), and answered as InternalFailure.
 */
export const answerError: ErrorHandler<EndpointEnv> = (error, c) => {
  if (error instanceof ServiceError) return errorResponse(error);
  console.error(`local endpoint: ${c.req.method} ${c.req.path} failed: ${error.message}`);
  return errorResponse(
    new ServiceError("InternalFailure", 500, "The endpoint failed on this request."),
  );
};

/** `Date` (clients correct clock skew with it) and a request id on every response but a 101. */
export const stamp: MiddlewareHandler<EndpointEnv> = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  c.res.headers.set("Date", new Date().toUTCString());
  c.res.headers.set("x-amzn-RequestId", crypto.randomUUID());
};

async function readBody(c: Context<EndpointEnv>): Promise<Uint8Array> {
  const tooLarge = () =>
    new ServiceError(
      "SerializationException",
      413,
      `The request body is over ${maxBodyBytes} bytes.`,
    );
  if (Number(c.req.header("content-length") ?? 0) > maxBodyBytes) throw tooLarge();
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > maxBodyBytes) throw tooLarge();
  return body;
}

/**
 * Routes whose body is an endless stream the route reads itself (PutMedia): signed from the
 * headers alone, before a byte of the body is read, with the payload hash the producers use
 * (`x-amz-content-sha256` when given, e.g. UNSIGNED-PAYLOAD, else the empty string's; spec §8.4).
 */
const streamingPaths = new Set(["/putMedia"]);

/**
 * Throws unless the request is SigV4-signed by an accepted key; then sets `body` (empty for a
 * streaming route, whose body is left unread).
 */
export async function verifySignature(c: Context<EndpointEnv>): Promise<void> {
  const { region, credentials } = c.var.endpoint;
  const url = new URL(c.req.url);
  const streaming = c.req.method === "POST" && streamingPaths.has(url.pathname);
  const body = streaming ? new Uint8Array() : await readBody(c);
  await verifySigV4(
    {
      method: c.req.method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: c.req.raw.headers,
      body,
    },
    { region, lookup: (id) => credentials.get(id) },
  );
  c.set("body", body);
}

/** Every route registered after this one is signed. */
export const signed: MiddlewareHandler<EndpointEnv> = async (c, next) => {
  await verifySignature(c);
  await next();
};
