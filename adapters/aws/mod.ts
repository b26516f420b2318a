/** The KVS client side: what commands and other adapters import. */
export { kvsClientFor, type KvsTarget, resolveTarget, type TargetSettings } from "./target.ts";
export {
  openSignaling,
  type OpenSignalingOptions,
  type SignalingSession,
} from "./open-signaling.ts";
export {
  SignalingClient,
  SignalingConnectError,
  type SignalingEvents,
} from "./signaling-client.ts";
export { type IceServer, KvsClient, type SignalingRole } from "./kvs-client.ts";
export { CredentialError, type CredentialFlags } from "./credential-chain.ts";
export { KvsError } from "../../core/aws/errors.ts";
export type {
  IceCandidate,
  SessionDescription,
  StatusResponse,
} from "../../core/aws/signaling-messages.ts";
export { kvsFailureMessage } from "./failure-message.ts";
