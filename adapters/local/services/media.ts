/** The KVS media service (`kinesis-video-media`) on the data endpoint: PutMedia and GetMedia. */
import { Hono } from "hono";
import type { EndpointEnv } from "../endpoint-env.ts";
import { putMedia } from "../put-media.ts";
import { getMedia } from "./get-media.ts";

export const media = new Hono<EndpointEnv>();

media.post("/putMedia", (c) => putMedia(c.req.raw, c.var.endpoint));
media.post("/getMedia", getMedia);
