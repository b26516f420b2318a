/**
 * SigV4 for KVS: header-signed JSON POSTs (control plane, signaling HTTPS, storage) and presigned
 * WebSocket URLs (ConnectAsMaster / ConnectAsViewer). The signing itself is @smithy/signature-v4;
 * this file only shapes KVS requests for it.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import type { AwsCredentials } from "./credentials.ts";

/** The signing name of every KVS API (control plane, signaling, storage, media). */
export const signingService = "kinesisvideo";

/** The longest X-Amz-Expires SigV4 allows (7 days). */
export const maxPresignSeconds = 604800;

function signer(credentials: AwsCredentials, region: string): SignatureV4 {
  return new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    region,
    service: signingService,
    sha256: Sha256,
    // KVS paths are plain ASCII; the control plane signs them as sent.
    uriEscapePath: true,
  });
}

function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

export interface JsonPostToSign {
  url: URL;
  body: string;
  credentials: AwsCredentials;
  region: string;
  /** The signing time: the device clock corrected by the learnt skew. */
  date: Date;
}

/**
 * Headers for a signed JSON POST (authorization, x-amz-date, x-amz-content-sha256, the session
 * token, content-type). `host` and `content-length` are signed but not returned: fetch sets them
 * itself, to the same values.
 */
export async function signJsonPost(request: JsonPostToSign): Promise<Record<string, string>> {
  const { url, body } = request;
  const signed = await signPost(request, {
    // URL.host has the port only when it is not the default: what fetch sends.
    host: url.host,
    "content-type": "application/json",
    "content-length": String(new TextEncoder().encode(body).byteLength),
  }, body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name !== "host" && name !== "content-length") headers[name] = value;
  }
  return headers;
}

export interface SignalingUrlToSign {
  /** The WSS resource endpoint from GetSignalingChannelEndpoint (wss://, or ws:// locally). */
  endpoint: string;
  channelArn: string;
  /** Viewers only; a master connects without one. */
  clientId?: string;
  credentials: AwsCredentials;
  region: string;
  date: Date;
  expiresInSeconds: number;
}

/** RFC 3986 encoding, as SigV4's canonical query uses. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A presigned ConnectAsMaster / ConnectAsViewer URL (query-string auth, path `/`). */
export async function presignSignalingUrl(request: SignalingUrlToSign): Promise<string> {
  const url = new URL(request.endpoint);
  if (url.search) throw new Error(`signaling endpoint ${request.endpoint} must not have a query`);
  const query: Record<string, string> = { "X-Amz-ChannelARN": request.channelArn };
  if (request.clientId !== undefined) query["X-Amz-ClientId"] = request.clientId;
  const expiresIn = Math.max(1, Math.min(maxPresignSeconds, Math.floor(request.expiresInSeconds)));
  const presigned = await signer(request.credentials, request.region).presign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: "/",
    query,
    headers: { host: url.host },
  }, { signingDate: request.date, expiresIn });
  const params = Object.entries(presigned.query as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join("&");
  return `${url.protocol}//${url.host}/?${params}`;
}

export interface StreamingPostToSign {
  url: URL;
  /** The headers to sign (host is added from the URL); the body is never part of it. */
  headers: Record<string, string>;
  credentials: AwsCredentials;
  region: string;
  date: Date;
}

/**
 * Headers for a POST whose body streams for as long as it runs (PutMedia): signed from the
 * headers alone, with the empty-string payload hash, as producer-c signs it (spec §6.1; the
 * signer also sends that hash as x-amz-content-sha256). Returns the signed headers, host included.
 */
export async function signStreamingPost(
  request: StreamingPostToSign,
): Promise<Record<string, string>> {
  return (await signPost(request, { host: request.url.host, ...request.headers })).headers;
}

/** A POST to `request.url` signed with these headers (and the body, if any). */
function signPost(
  request: Omit<JsonPostToSign, "body">,
  headers: Record<string, string>,
  body?: string,
) {
  const { url } = request;
  return signer(request.credentials, request.region).sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: queryOf(url),
    headers,
    body,
  }, { signingDate: request.date });
}
