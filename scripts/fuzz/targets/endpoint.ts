/**
 * The local endpoint's request parsing: SigV4 verification of header-signed and presigned
 * requests, control-plane operations on a fresh Registry, and the `--data-dir` state file.
 * A ServiceError (AWS's error name, status and text) is the deliberate answer to a bad request;
 * a plain Error the answer to a bad state file.
 */
import { presignSignalingUrl, signJsonPost } from "../../../core/aws/sigv4.ts";
import { controlPlaneOperations } from "../../../core/local-endpoint/control-plane.ts";
import { ServiceError } from "../../../core/local-endpoint/errors.ts";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import { Registry } from "../../../core/local-endpoint/registry.ts";
import { verifySigV4 } from "../../../core/local-endpoint/sigv4-verify.ts";
import { parseRegistrySnapshot } from "../../../core/local-endpoint/state-snapshot.ts";
import { mutateBytes, mutateJson, mutateText } from "../mutate.ts";
import type { Rng } from "../prng.ts";
import { once } from "../seeds.ts";
import { type FuzzTarget, isPlainError, showText } from "../target.ts";

const credentials = { accessKeyId: "AKIDFUZZ", secretAccessKey: "fuzz-secret-key" };
const region = "us-west-2";
const signedAt = new Date("2024-01-01T00:00:00Z");
const channelArn = "arn:aws:kinesisvideo:us-west-2:111122223333:channel/fuzz/1704067200000";
const isServiceError = (error: unknown) => error instanceof ServiceError;

interface SignedRequest {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  body: Uint8Array;
}

let signedSeeds: SignedRequest[] = [];

/** Requests signed by the project's own client signer, as the endpoint receives them. */
async function makeSignedSeeds(): Promise<void> {
  const body = JSON.stringify({ ChannelName: "fuzz" });
  const url = new URL("https://kinesisvideo.us-west-2.amazonaws.com/describeSignalingChannel");
  const headers = await signJsonPost({ url, body, credentials, region, date: signedAt });
  const presigned = new URL(
    await presignSignalingUrl({
      endpoint: "wss://v-1234.kinesisvideo.us-west-2.amazonaws.com",
      channelArn,
      clientId: "viewer-1",
      credentials,
      region,
      date: signedAt,
      expiresInSeconds: 299,
    }),
  );
  signedSeeds = [
    {
      method: "POST",
      path: url.pathname,
      query: "",
      headers: [
        ...Object.entries(headers),
        ["host", url.host],
        ["content-length", String(body.length)],
      ],
      body: new TextEncoder().encode(body),
    },
    {
      method: "GET",
      path: "/",
      query: presigned.search.slice(1),
      headers: [["host", presigned.host]],
      body: new Uint8Array(),
    },
  ];
}

function mutateRequest(seed: SignedRequest, rng: Rng): SignedRequest {
  const request = { ...seed, headers: [...seed.headers] };
  for (let n = 1 + rng.below(3); n > 0; n--) {
    const part = rng.below(6);
    if (part === 0) request.query = mutateQuery(request.query, rng);
    else if (part === 1) request.body = mutateBytes(request.body, rng);
    else if (part === 2) request.path = mutateText(request.path, rng);
    else if (part === 3) request.headers.splice(rng.below(request.headers.length), 1);
    else {
      const i = rng.below(request.headers.length);
      const [name, value] = request.headers[i] ?? ["x-amz-date", ""];
      request.headers[i] = [name, mutateText(value, rng)];
    }
  }
  return request;
}

/** A query mutated as text, or one parameter's value (percent-encoded) replaced or repeated. */
function mutateQuery(query: string, rng: Rng): string {
  if (query === "" || rng.chance(0.5)) return mutateText(query, rng);
  const pairs = query.split("&");
  const i = rng.below(pairs.length);
  const [name] = pairs[i].split("=");
  if (rng.chance(0.3)) pairs.push(pairs[i]);
  else {pairs[i] = `${name}=${
      encodeURIComponent(mutateText(decodeSafe(pairs[i].slice(name.length + 1)), rng))
    }`;}
  return pairs.join("&");
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Headers as an HTTP server hands them over: values it would refuse are left as they were. */
function receivedHeaders(pairs: [string, string][], seed: SignedRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      const original = seed.headers.find(([n]) => n === name);
      if (original) headers.append(name, original[1]);
    }
  }
  return headers;
}

export const sigv4Verify: FuzzTarget<{ request: SignedRequest; seed: SignedRequest }> = {
  name: "sigv4-verify",
  prepare: makeSignedSeeds,
  input(rng) {
    const seed = rng.pick(signedSeeds);
    return { request: rng.chance(0.05) ? seed : mutateRequest(seed, rng), seed };
  },
  run: ({ request, seed }) =>
    verifySigV4({ ...request, headers: receivedHeaders(request.headers, seed) }, {
      region,
      lookup: (id) => (id === credentials.accessKeyId ? credentials : undefined),
      now: signedAt,
    }),
  deliberate: isServiceError,
  show: ({ request }) =>
    JSON.stringify({ ...request, body: showText(new TextDecoder().decode(request.body)) }),
};

/** A session of control-plane calls, each valid as written. */
const callSeeds: [string, Record<string, unknown>][] = [
  ["/createSignalingChannel", {
    ChannelName: "fuzz",
    ChannelType: "SINGLE_MASTER",
    SingleMasterConfiguration: { MessageTtlSeconds: 60 },
    Tags: [{ Key: "k", Value: "v" }],
  }],
  ["/createStream", {
    StreamName: "fuzz-stream",
    DataRetentionInHours: 24,
    MediaType: "video/h264",
    Tags: { k: "v" },
  }],
  ["/describeSignalingChannel", { ChannelName: "fuzz" }],
  ["/describeStream", { StreamName: "fuzz-stream" }],
  ["/listSignalingChannels", {
    MaxResults: 1,
    ChannelNameCondition: { ComparisonOperator: "BEGINS_WITH", ComparisonValue: "f" },
  }],
  ["/listStreams", { MaxResults: 10, NextToken: btoa("a") }],
  ["/getSignalingChannelEndpoint", {
    ChannelARN: channelArn,
    SingleMasterChannelEndpointConfiguration: { Protocols: ["WSS", "HTTPS"], Role: "MASTER" },
  }],
  ["/updateMediaStorageConfiguration", {
    ChannelARN: channelArn,
    MediaStorageConfiguration: { Status: "DISABLED" },
  }],
  ["/describeMediaStorageConfiguration", { ChannelARN: channelArn }],
  ["/updateSignalingChannel", {
    ChannelARN: channelArn,
    CurrentVersion: "abc",
    SingleMasterConfiguration: { MessageTtlSeconds: 30 },
  }],
  ["/getDataEndpoint", { APIName: "GET_MEDIA", StreamName: "fuzz-stream" }],
  ["/deleteStream", {
    StreamARN: "arn:aws:kinesisvideo:us-west-2:111122223333:stream/fuzz-stream/1704067200000",
  }],
  ["/deleteSignalingChannel", { ChannelARN: channelArn }],
];

interface Call {
  path: string;
  body: Uint8Array;
}

const context = (registry: Registry) => ({
  registry,
  urls: { https: "https://127.0.0.1:4443", wss: "wss://127.0.0.1:4443" },
  now: () => signedAt.getTime(),
});

/** Runs each call as the endpoint would; a ServiceError answers that call only. */
function serve(registry: Registry, calls: readonly Call[]) {
  for (const { path, body } of calls) {
    try {
      const response = controlPlaneOperations[path](parseJsonObject(body), context(registry));
      JSON.stringify(response); // the response is sent as JSON
    } catch (error) {
      if (!isServiceError(error)) throw error;
    }
  }
}

export const controlPlane: FuzzTarget<Call[]> = {
  name: "control-plane",
  input(rng) {
    return Array.from({ length: 1 + rng.below(6) }, () => {
      const [path, body] = rng.pick(callSeeds);
      const mutated = rng.chance(0.7) ? mutateJson(body, rng) : body;
      const text = JSON.stringify(mutated) ?? "";
      const bytes = new TextEncoder().encode(rng.chance(0.2) ? mutateText(text, rng) : text);
      return { path: rng.chance(0.05) ? rng.pick(callSeeds)[0] : path, body: bytes };
    });
  },
  run: (calls) => serve(new Registry(region), calls),
  deliberate: isServiceError,
  show: (calls) => JSON.stringify(calls.map((c) => [c.path, new TextDecoder().decode(c.body)])),
};

/** The state file of an endpoint after the seed session, as saveState writes it. */
function stateSeed(): string {
  const registry = new Registry(region);
  const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
  serve(registry, callSeeds.slice(0, 2).map(([path, body]) => ({ path, body: encode(body) })));
  return JSON.stringify(registry.snapshot(), null, 1);
}

const stateText = once(stateSeed);

/** A state file read at start, then the endpoint serving from what it held. */
export const stateFile: FuzzTarget<string> = {
  name: "state-file",
  input(rng) {
    if (rng.chance(0.5)) return mutateText(stateText(), rng);
    return JSON.stringify(mutateJson(JSON.parse(stateText()), rng)) ?? "";
  },
  run(text) {
    const registry = new Registry(region, parseRegistrySnapshot(text));
    const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
    serve(registry, callSeeds.slice(2).map(([path, body]) => ({ path, body: encode(body) })));
  },
  deliberate: (error) => isPlainError(error) || isServiceError(error),
  show: showText,
};
