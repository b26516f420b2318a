import { test } from "node:test";
import assert from "node:assert/strict";
import * as kvsrtc from "../../mod.ts";

test("the library surface exposes the endpoint, the KVS client, master, viewer and the media core", () => {
  for (
    const name of [
      "startLocalEndpoint",
      "resolveTarget",
      "openSignaling",
      "Master",
      "ViewerClient",
      "openSource",
      "Broadcast",
      "ConnectionTimer",
      "findNalUnits",
      "planH264AccessUnit",
      "H264Depacketizer",
      "parseRtcp",
      "parseTransportCc",
      "buildTransportCc",
      "BandwidthEstimator",
      "runSelfTest",
    ]
  ) {
    assert.equal(typeof (kvsrtc as Record<string, unknown>)[name], "function", name);
  }
});
