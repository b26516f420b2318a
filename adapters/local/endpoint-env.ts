/**
 * The one hono environment every service of the local endpoint runs in: the runtime's
 * connection as the binding, and as variables the endpoint's state and the verified body.
 */
import type { Connection } from "../runtime/mod.ts";
import type { AwsCredentials } from "../../core/local-endpoint/sigv4-verify.ts";
import type { Registry } from "../../core/local-endpoint/registry.ts";
import type { SignalingRelay } from "../../core/local-endpoint/signaling-relay.ts";
import type { TurnSettings } from "../../core/local-endpoint/ice-servers.ts";
import type { FragmentStore } from "../../core/fragments/fragment-store.ts";
import type { SessionTokens } from "../../core/archived-media/session-tokens.ts";
import type { GetMediaLimits } from "../../core/fragments/get-media-limits.ts";
import type { PutMediaAdmission } from "../../core/local-endpoint/put-media-admission.ts";
import type { StorageSessions } from "./storage/storage-sessions.ts";

export interface EndpointState {
  region: string;
  registry: Registry;
  relay: SignalingRelay;
  /** Every stream's media: what PutMedia stores and the read-back APIs serve. */
  fragments: FragmentStore;
  /** The endpoint's own storage peers, one per channel in a storage session. */
  storage: StorageSessions;
  /** Aborted when the endpoint stops: a response that would stream on (GetMedia) ends then. */
  stopping: AbortSignal;
  /** The HLS sessions GetHLSStreamingSessionURL handed out, by token. */
  playbackSessions: SessionTokens;
  /** PutMedia connections open per stream, and their rate (AWS's limits). */
  putMediaAdmission: PutMediaAdmission;
  /** GetMedia connections open per stream, and their rate. */
  getMediaLimits: GetMediaLimits;
  /** Access key id -> credentials this endpoint accepts. */
  credentials: Map<string, AwsCredentials>;
  stunPort: number;
  turn?: TurnSettings;
  /** Signs the STUN entry's time-limited credentials. */
  localSecret: string;
}

export type EndpointEnv = {
  Bindings: { conn: Connection };
  Variables: {
    endpoint: EndpointState;
    /** The request body, read once and set by the SigV4 check. */
    body: Uint8Array;
  };
};
