/** kvsrtc as a library: what another program may import. */
export { runSelfTest, type SelfTestResult } from "./adapters/webrtc/self-test.ts";
export { runtime } from "./adapters/runtime/mod.ts";
export type * from "./adapters/runtime/types.ts";
export { findNalUnits, nalType } from "./core/h264/nal-unit.ts";
export { parseSps, profileLevelId } from "./core/h264/sps.ts";
export { AccessUnitSplitter } from "./core/h264/access-unit-splitter.ts";
export { planH264AccessUnit } from "./core/rtp/h264-packetizer.ts";
export { planOpus } from "./core/rtp/opus-packetizer.ts";
export { type PayloadPlan, writeRtpPacket } from "./core/rtp/payload-plan.ts";
export { parseRtpPacket } from "./core/rtp/header.ts";
export { H264Depacketizer } from "./core/rtp/h264-depacketizer.ts";
export { parseRtcp } from "./core/rtcp/parse.ts";
export { ConnectionTimer, phases } from "./core/metrics/connection-timer.ts";
export { Broadcast } from "./core/media/broadcast.ts";
export {
  KvsError,
  type KvsTarget,
  openSignaling,
  resolveTarget,
  type SignalingSession,
} from "./adapters/aws/mod.ts";
export {
  localCredentialPair,
  type LocalEndpoint,
  startLocalEndpoint,
} from "./adapters/local/mod.ts";
/** A master's `bandwidthEstimate` event gives one per viewer (transport-cc negotiated). */
export { Master } from "./adapters/master/master.ts";
export type { BandwidthEstimate } from "./core/congestion/peer-congestion.ts";
export { BandwidthEstimator } from "./core/congestion/bandwidth-estimator.ts";
export { buildTransportCc, parseTransportCc } from "./core/rtcp/transport-cc.ts";
export { ViewerClient } from "./adapters/viewer/viewer-client.ts";
export { openSource } from "./adapters/media/open-source.ts";
