/** The KVS media service (`kinesis-video-media`): PutMedia, and GetMedia beside it. */
import { Hono } from "hono";
import type { EndpointEnv } from "../endpoint-env.ts";
import { putMedia } from "../put-media.ts";

export const media = new Hono<EndpointEnv>();

media.post("/putMedia", (c) => putMedia(c.req.raw, c.var.endpoint));
