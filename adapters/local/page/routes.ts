/**
 * The browser pages the local endpoint serves: `GET /` the viewer page, `GET /master` the browser
 * master page, `GET /recordings` the recordings page (HLS with hls.js), `GET /page/<file>` their
 * scripts, style and the KVS WebRTC JS SDK and hls.js bundles, and
 * `POST /page/sign`, which signs the pages' KVS requests with the endpoint's own credential pair
 * so no secret is handed to a page. It answers loopback clients only, and signs only requests
 * to loopback hosts: the same reach the local credential pair has.
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import type { Context } from "hono";
import type { AwsCredentials } from "../../../core/aws/credentials.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { presignSignalingUrl, signJsonPost } from "../../../core/aws/sigv4.ts";
import { embedded, kvsWebrtcSdk, pageFiles } from "./page-files.ts";

export interface PageRoutesOptions {
  region: string;
  credentials: AwsCredentials;
}

/** The JS SDK presigns its WebSocket URL for 299 s; the page does the same. */
const signalingUrlExpirySeconds = 299;

const contentTypes: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  LICENSE: "text/plain; charset=utf-8",
};

/** The viewer page's address for a channel on the endpoint at `endpointUrl`: it connects at once. */
export function viewerPageUrl(endpointUrl: string, channel: string): string {
  return new URL(`/?channel=${encodeURIComponent(channel)}`, endpointUrl).href;
}

export function isLoopbackAddress(address: string): boolean {
  const ip = address.replace(/^::ffff:/, "").replace(/^\[|\]$/g, "");
  return ip === "::1" || ip === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(ip);
}

/** The URL, parsed, if its host is a loopback address; else an error naming it. */
function loopbackUrl(text: unknown, name: string): URL {
  if (typeof text !== "string" || !URL.canParse(text)) throw new Error(`${name} is not a URL`);
  const url = new URL(text);
  if (!isLoopbackAddress(url.hostname)) {
    throw new Error(`${name} ${url.host} is not a loopback host; only those are signed here`);
  }
  return url;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  throw new Error(`${name} must be a string`);
}

/** Signs one request described by the page; throws with a message naming what is wrong. */
async function sign(request: Record<string, unknown>, options: PageRoutesOptions) {
  const { credentials, region } = options;
  const date = new Date();
  switch (request.kind) {
    case "post": {
      const body = optionalString(request.body, "body") ?? "";
      const url = loopbackUrl(request.url, "url");
      return { headers: await signJsonPost({ url, body, credentials, region, date }) };
    }
    case "signaling-url": {
      const channelArn = optionalString(request.channelArn, "channelArn");
      if (!channelArn) throw new Error("channelArn is missing");
      const url = await presignSignalingUrl({
        endpoint: loopbackUrl(request.endpoint, "endpoint").href,
        channelArn,
        clientId: optionalString(request.clientId, "clientId"),
        credentials,
        region,
        date,
        expiresInSeconds: signalingUrlExpirySeconds,
      });
      return { url };
    }
    default:
      throw new Error(`kind must be "post" or "signaling-url"`);
  }
}

function serveFile(c: Context, name: string): Response {
  const path = pageFiles().get(name);
  if (!path) {
    const isSdk = (kvsWebrtcSdk.files as readonly string[]).includes(name);
    return c.text(
      isSdk && !embedded
        ? `${name} is not fetched yet: run "npm run postinstall" (or npm ci) in the checkout`
        : `no page file ${name}`,
      isSdk ? 503 : 404,
    );
  }
  const type = contentTypes[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
  return c.body(readFileSync(path), 200, { "content-type": type, "cache-control": "no-cache" });
}

export function pageRoutes(options: PageRoutesOptions): Hono<EndpointEnv> {
  const app = new Hono<EndpointEnv>();
  app.get("/", (c) => serveFile(c, "viewer.html"));
  app.get("/master", (c) => serveFile(c, "master.html"));
  app.get("/recordings", (c) => serveFile(c, "recordings.html"));
  app.get("/page/:file", (c) => serveFile(c, c.req.param("file")));
  // Browsers ask for it; without this route the signature check would answer 403.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.post("/page/sign", async (c) => {
    if (!isLoopbackAddress(c.env.conn.remoteAddress)) {
      return c.json({ message: "the page signer answers loopback clients only" }, 403);
    }
    let request: unknown;
    try {
      request = await c.req.json();
    } catch {
      return c.json({ message: "the body is not JSON" }, 400);
    }
    if (typeof request !== "object" || request === null) {
      return c.json({ message: "the body must be a JSON object" }, 400);
    }
    try {
      return c.json(await sign(request as Record<string, unknown>, options));
    } catch (error) {
      return c.json({ message: (error as Error).message }, 400);
    }
  });
  return app;
}
