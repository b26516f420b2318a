/** The KVS media service (`kinesis-video-media`) on the data endpoint: GetMedia. */
import { Hono } from "hono";
import type { EndpointEnv } from "../endpoint-env.ts";
import { getMedia } from "./get-media.ts";

export const media = new Hono<EndpointEnv>();

media.post("/getMedia", getMedia);
