/**
 * The KVS archived media service (`kinesis-video-archived-media`), on the data endpoint: each
 * operation a route calling its own file.
 */
import { Hono } from "hono";
import type { EndpointEnv } from "../endpoint-env.ts";
import {
  getClip,
  getDashStreamingSessionUrl,
  getHlsStreamingSessionUrl,
} from "./playback-sessions.ts";

export const archivedMedia = new Hono<EndpointEnv>();

archivedMedia.post("/getHLSStreamingSessionURL", getHlsStreamingSessionUrl);
archivedMedia.post("/getDASHStreamingSessionURL", getDashStreamingSessionUrl);
archivedMedia.post("/getClip", getClip);
