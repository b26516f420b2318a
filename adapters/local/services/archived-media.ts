/**
 * Archived media (`kinesis-video-archived-media`, spec §6.4) on the data endpoint: one POST
 * route per operation, its logic in its own file.
 */
import { Hono } from "hono";
import { parseJsonObject } from "../../../core/local-endpoint/fields.ts";
import { listFragments } from "../../../core/fragments/list-fragments.ts";
import type { EndpointEnv } from "../endpoint-env.ts";
import { getMediaForFragmentList } from "./get-media.ts";
import {
  getClip,
  getDashStreamingSessionUrl,
  getHlsStreamingSessionUrl,
} from "./playback-sessions.ts";

export const archivedMedia = new Hono<EndpointEnv>();

archivedMedia.post("/listFragments", (c) =>
  c.json(listFragments(parseJsonObject(c.var.body), {
    registry: c.var.endpoint.registry,
    store: c.var.endpoint.fragments,
  })));
archivedMedia.post("/getMediaForFragmentList", getMediaForFragmentList);
archivedMedia.post("/getHLSStreamingSessionURL", getHlsStreamingSessionUrl);
archivedMedia.post("/getDASHStreamingSessionURL", getDashStreamingSessionUrl);
archivedMedia.post("/getClip", getClip);
