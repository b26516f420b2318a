/**
 * GetMedia and GetMediaForFragmentList: the request read as AWS validates it, the stream's
 * fragments sent as a streamed MKV body (core/fragments/media-bodies.ts). Both answer
 * `Content-Type: video/webm`, the value AWS returns for MKV streams (a recollection of real
 * responses, not documented; the stream's own MediaType is not what comes back).
 *
 * AWS answers 200 at once and streams the body. Deno does too; Bun's server holds the status
 * line until the body's first bytes, so on Bun a GetMedia from NOW on a quiet stream is
 * answered when the first fragment arrives (or, none arriving, as an empty body at the idle end).
 */
import type { Context } from "hono";
import { streamFrom } from "../../../core/local-endpoint/control-plane.ts";
import { invalidArgument } from "../../../core/local-endpoint/errors.ts";
import { parseJsonObject, requiredArray } from "../../../core/local-endpoint/fields.ts";
import { fragmentListBody, getMediaBody } from "../../../core/fragments/media-bodies.ts";
import { parseStartSelector, startPoint } from "../../../core/fragments/start-selector.ts";
import type { EndpointEnv } from "../endpoint-env.ts";

export const mediaContentType = "video/webm";

/** GetMediaForFragmentList takes at most this many fragment numbers (AWS's limit). */
export const maxListedFragments = 1000;

const streamed = (body: ReadableStream<Uint8Array>) =>
  new Response(body, { status: 200, headers: { "content-type": mediaContentType } });

export function getMedia(c: Context<EndpointEnv>): Response {
  const body = parseJsonObject(c.var.body);
  const selector = parseStartSelector(body);
  const { registry, fragments } = c.var.endpoint;
  const stream = streamFrom(body, registry);
  const release = c.var.endpoint.getMediaLimits.admit(stream.arn);
  const start = startPoint(
    selector,
    fragments.fragments(stream.arn),
    (number) => fragments.get(stream.arn, number),
  );
  return streamed(
    getMediaBody({
      store: fragments,
      streamArn: stream.arn,
      start,
      onEnd: release,
      signal: c.var.endpoint.stopping,
    }),
  );
}

export function getMediaForFragmentList(c: Context<EndpointEnv>): Response {
  const body = parseJsonObject(c.var.body);
  const numbers = requiredArray(body, "Fragments", 1, maxListedFragments);
  numbers.forEach((number, i) => {
    if (typeof number !== "string" || !/^[0-9]{1,128}$/.test(number)) {
      throw invalidArgument(
        `Fragments[${i}] must be a fragment number of 1 to 128 digits, not ${
          JSON.stringify(number)
        }.`,
      );
    }
  });
  const stream = streamFrom(body, c.var.endpoint.registry);
  return streamed(fragmentListBody(c.var.endpoint.fragments, stream.arn, numbers as string[]));
}
