/** Every fuzz target, in the order `npm run fuzz` runs them. */
import type { FuzzTarget } from "../target.ts";
import { archivedMediaRequests } from "./archived-media.ts";
import { controlPlane, sigv4Verify, stateFile } from "./endpoint.ts";
import { containerFormat, oggOpus, opusPacket } from "./files.ts";
import { accessUnitSplitter, h264Avcc, h264Sps } from "./h264.ts";
import { h265AccessUnitSplitter, h265Depacketizer, h265Hvcc, h265Sps } from "./h265.ts";
import { rtcpCompound, trackSenderRtcp } from "./rtcp.ts";
import { mkvMediaReader, mkvReader, putMediaIngest } from "./mkv.ts";
import { h264Depacketizer, rtpHeader, viewerReceiver } from "./rtp.ts";
import { sdpOffer } from "./sdp.ts";
import { signalingFrameClient, signalingMessageEndpoint, signalingRelay } from "./signaling.ts";
import { stunMessage } from "./stun.ts";
import { ivfReader, vp8Depacketizer } from "./vp8.ts";
import { transportCcFeedback } from "./transport-cc.ts";

export const fuzzTargets = [
  signalingFrameClient,
  signalingMessageEndpoint,
  signalingRelay,
  sdpOffer,
  rtpHeader,
  h264Depacketizer,
  h265Depacketizer,
  vp8Depacketizer,
  viewerReceiver,
  rtcpCompound,
  trackSenderRtcp,
  transportCcFeedback,
  stunMessage,
  accessUnitSplitter,
  h264Sps,
  h264Avcc,
  h265AccessUnitSplitter,
  h265Sps,
  h265Hvcc,
  ivfReader,
  containerFormat,
  oggOpus,
  opusPacket,
  sigv4Verify,
  controlPlane,
  stateFile,
  mkvReader,
  mkvMediaReader,
  putMediaIngest,
  archivedMediaRequests,
] as FuzzTarget[];
