/**
 * Server-side SigV4 verification (spec §8.3): the signature is recomputed with the signing
 * library from the request as received, using exactly the SignedHeaders list the client sent,
 * and compared in constant time. Header-signed and presigned (query) requests alike.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  incompleteSignature,
  invalidSignature,
  missingAuthenticationToken,
  signatureMismatchText,
  unrecognizedClient,
} from "./errors.ts";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request as it arrived: the raw path and query, lower-case header names, the body bytes. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** Raw query string without the leading `?`. */
  query: string;
  headers: Headers;
  body: Uint8Array;
}

export interface VerifyOptions {
  region: string;
  service?: string;
  /** The credentials this endpoint knows for an access key id. */
  lookup(accessKeyId: string): AwsCredentials | undefined;
  now?: Date;
}

export interface VerifiedCaller {
  accessKeyId: string;
  presigned: boolean;
}

const algorithm = "AWS4-HMAC-SHA256";
const maxSkewMs = 5 * 60_000;
const maxPresignedExpiresSeconds = 604_800;
/** An HTTP field name (RFC 9110 5.1), lower-cased as SignedHeaders are. */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/**
 * Query parameters read: a presigned URL has 8, KVS's operations take none. The bound keeps a
 * hostile query (thousands of repeats of a name) from costing seconds of signing work.
 */
const maxQueryParameters = 64;
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

interface AuthParts {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  sessionToken?: string;
}

/** Throws a ServiceError (AWS's name, status and text) unless the request is signed correctly. */
export async function verifySigV4(
  request: ReceivedRequest,
  options: VerifyOptions,
): Promise<VerifiedCaller> {
  const service = options.service ?? "kinesisvideo";
  const now = options.now ?? new Date();
  const query = parseQuery(request.query);
  const presigned = query.has("X-Amz-Signature");
  const auth = presigned ? presignedParts(query) : headerParts(request.headers);

  const credentials = options.lookup(auth.accessKeyId);
  if (!credentials) throw unrecognizedClient();
  if (credentials.sessionToken !== undefined && credentials.sessionToken !== auth.sessionToken) {
    throw unrecognizedClient();
  }
  if (auth.scopeDate !== auth.amzDate.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${
        auth.amzDate.slice(0, 8)
      }', from '${auth.amzDate}'.`,
    );
  }
  if (auth.scopeRegion !== options.region) {
    throw invalidSignature(
      `Credential should be scoped to a valid region, not '${auth.scopeRegion}'. ` +
        `This endpoint serves '${options.region}'.`,
    );
  }
  if (auth.scopeService !== service) {
    throw invalidSignature(
      `Credential should be scoped to correct service: '${service}', not '${auth.scopeService}'.`,
    );
  }
  if (!auth.signedHeaders.includes("host")) {
    throw invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // A name that is not an HTTP token is no header of the request (and Headers.has would throw).
  const missing = auth.signedHeaders.filter((name) =>
    !headerNamePattern.test(name) || !request.headers.has(name)
  );
  if (missing.length > 0) {
    throw incompleteSignature(`Signed header(s) missing from the request: ${missing.join(", ")}.`);
  }

  const expected = await recompute(request, query, auth, credentials, service, presigned);
  if (!constantTimeEqual(expected, auth.signature)) throw invalidSignature(signatureMismatchText);

  checkTime(auth, now, presigned);
  if (!presigned) await checkPayloadHash(request);
  return { accessKeyId: auth.accessKeyId, presigned };
}

async function recompute(
  request: ReceivedRequest,
  query: Map<string, string[]>,
  auth: AuthParts,
  credentials: AwsCredentials,
  service: string,
  presigned: boolean,
): Promise<string> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    },
    region: auth.scopeRegion,
    service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = new Set(auth.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const queryRecord: Record<string, string | string[]> = {};
  for (const [name, values] of query) {
    if (name !== "X-Amz-Signature") queryRecord[name] = values.length === 1 ? values[0] : values;
  }
  const signingDate = parseAmzDate(auth.amzDate);
  const base = {
    method: request.method,
    protocol: "https:",
    hostname: request.headers.get("host") ?? "",
    path: request.path,
    query: queryRecord,
    headers,
  };
  if (presigned) {
    const result = await signer.presign(base, {
      signingDate,
      expiresIn: auth.expiresSeconds,
      signableHeaders: signed,
      unhoistableHeaders: signed,
    });
    return String(result.query?.["X-Amz-Signature"] ?? "");
  }
  const body = request.body.byteLength > 0 ? request.body : undefined;
  const result = await signer.sign({ ...base, body }, { signingDate, signableHeaders: signed });
  return /Signature=([0-9a-f]+)/.exec(String(result.headers.authorization))?.[1] ?? "";
}

function headerParts(headers: Headers): AuthParts {
  const authorization = headers.get("authorization");
  if (authorization === null) throw missingAuthenticationToken();
  if (!authorization.startsWith(`${algorithm} `)) {
    throw incompleteSignature(
      `Authorization header requires the '${algorithm}' algorithm, got '${
        authorization.split(" ")[0]
      }'.`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(algorithm.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  const absent = [
    credential === undefined && "Credential",
    signedHeaders === undefined && "SignedHeaders",
    signature === undefined && "Signature",
  ].filter(Boolean);
  if (absent.length > 0) {
    throw incompleteSignature(
      `Authorization header requires ${absent.map((a) => `'${a}'`).join(", ")} parameter(s).`,
    );
  }
  const amzDate = headers.get("x-amz-date");
  if (amzDate === null) {
    throw incompleteSignature("Authorization requires an 'X-Amz-Date' header.");
  }
  return {
    ...scopeParts(credential!),
    signedHeaders: signedHeaders!.split(";").map((h) => h.trim().toLowerCase()),
    signature: signature!,
    amzDate: validAmzDate(amzDate),
    sessionToken: headers.get("x-amz-security-token") ?? undefined,
  };
}

function presignedParts(query: Map<string, string[]>): AuthParts {
  const one = (name: string) => {
    const values = query.get(name);
    if (values === undefined) {
      throw incompleteSignature(`A presigned request requires the '${name}' query parameter.`);
    }
    if (values.length > 1) {
      throw incompleteSignature(`The '${name}' query parameter is given more than once.`);
    }
    return values[0];
  };
  if (one("X-Amz-Algorithm") !== algorithm) {
    throw incompleteSignature(`X-Amz-Algorithm must be '${algorithm}'.`);
  }
  const expires = one("X-Amz-Expires");
  const expiresSeconds = Number(expires);
  if (!/^[1-9][0-9]*$/.test(expires) || expiresSeconds > maxPresignedExpiresSeconds) {
    throw incompleteSignature(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${maxPresignedExpiresSeconds}, not '${expires}'.`,
    );
  }
  return {
    ...scopeParts(one("X-Amz-Credential")),
    signedHeaders: one("X-Amz-SignedHeaders").split(";").map((h) => h.toLowerCase()),
    signature: one("X-Amz-Signature"),
    amzDate: validAmzDate(one("X-Amz-Date")),
    expiresSeconds,
    sessionToken: query.get("X-Amz-Security-Token")?.[0],
  };
}

function scopeParts(credential: string) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1])) {
    throw incompleteSignature(
      `Credential must have the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request, not '${credential}'.`,
    );
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = parts;
  return { accessKeyId, scopeDate, scopeRegion, scopeService };
}

function validAmzDate(value: string): string {
  if (!/^\d{8}T\d{6}Z$/.test(value) || Number.isNaN(parseAmzDate(value).getTime())) {
    throw incompleteSignature(
      `X-Amz-Date must be in the form yyyyMMdd'T'HHmmss'Z', not '${value}'.`,
    );
  }
  return value;
}

function parseAmzDate(value: string): Date {
  const n = (from: number, to: number) => Number(value.slice(from, to));
  return new Date(Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(9, 11), n(11, 13), n(13, 15)));
}

/** yyyyMMddTHHmmssZ, as AWS prints times in its signature errors. */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function checkTime(auth: AuthParts, now: Date, presigned: boolean) {
  const signedAt = parseAmzDate(auth.amzDate).getTime();
  const nowMs = now.getTime();
  if (signedAt > nowMs + maxSkewMs) {
    throw invalidSignature(
      `Signature not yet current: ${auth.amzDate} is still later than ${
        formatAmzDate(new Date(nowMs + maxSkewMs))
      } (${formatAmzDate(now)} + 5 min.)`,
    );
  }
  if (presigned) {
    const expires = auth.expiresSeconds!;
    if (signedAt + expires * 1000 < nowMs) {
      throw invalidSignature(
        `Signature expired: ${auth.amzDate} is now earlier than ${
          formatAmzDate(new Date(nowMs - expires * 1000))
        } (${formatAmzDate(now)} - ${expires} sec.)`,
      );
    }
  } else if (signedAt < nowMs - maxSkewMs) {
    throw invalidSignature(
      `Signature expired: ${auth.amzDate} is now earlier than ${
        formatAmzDate(new Date(nowMs - maxSkewMs))
      } (${formatAmzDate(now)} - 5 min.)`,
    );
  }
}

/** A signed `x-amz-content-sha256` must be the hash of the body that actually arrived. */
async function checkPayloadHash(request: ReceivedRequest) {
  const claimed = request.headers.get("x-amz-content-sha256");
  if (claimed === null || claimed === "UNSIGNED-PAYLOAD" || claimed.startsWith("STREAMING-")) {
    return;
  }
  const actual = request.body.byteLength === 0 ? emptyPayloadHash : await sha256Hex(request.body);
  if (claimed !== actual) {
    throw invalidSignature(
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(bytes);
  const digest = await hash.digest();
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Query parameters percent-decoded (`+` is a literal plus, as SigV4 clients encode a space as %20). */
function parseQuery(raw: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  if (raw === "") return query;
  const pairs = raw.split("&");
  if (pairs.length > maxQueryParameters) {
    throw incompleteSignature(
      `The query has ${pairs.length} parameters; at most ${maxQueryParameters} are read.`,
    );
  }
  for (const pair of pairs) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const [name, value] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      const key = decodeURIComponent(name);
      query.set(key, [...(query.get(key) ?? []), decodeURIComponent(value)]);
    } catch {
      throw incompleteSignature(`The query parameter '${name}' is not valid percent-encoding.`);
    }
  }
  return query;
}

function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}
