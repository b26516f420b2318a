/** How tables name the phases (seed 001's wording, shortened). */
import type { Phase } from "./connection-timer.ts";

export const phaseLabels: Record<Phase, string> = {
  getCredentials: "get credentials",
  describeChannel: "describe signaling channel",
  getSignalingEndpoints: "get signaling endpoints",
  getIceServerConfig: "get ICE server config",
  connectWebSocket: "connect WebSocket",
  joinStorageSession: "join storage session",
  storageOffer: "storage peer's offer",
  gatherHostCandidates: "gather host candidates",
  gatherSrflxCandidates: "gather srflx candidates",
  gatherRelayCandidates: "gather relay candidates",
  findPeerToPeerConnection: "find peer-to-peer connection",
  dtlsHandshake: "DTLS handshake",
  firstFrame: "first frame",
};
