/** The KVS archived-media service (`kinesis-video-archived-media`) on the data endpoint. */
import { Hono } from "hono";
import type { EndpointEnv } from "../endpoint-env.ts";
import { getMediaForFragmentList } from "./get-media.ts";

export const archivedMedia = new Hono<EndpointEnv>();

archivedMedia.post("/getMediaForFragmentList", getMediaForFragmentList);
