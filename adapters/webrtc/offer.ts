/**
 * The viewer's side: an offer to receive H.264 (the common profiles, packetization-mode 1),
 * H.265 (Main and Main 10, as Chromium offers it) and VP8, and Opus, plus a data channel, as the KVS viewers do (the storage peer offers none: storage
 * sessions take no data channel, spec §4.2), with transport-cc on both, as browsers offer it.
 * Tracks carry our own RTCP out (NACK, PLI, RR, transport-cc feedback) and bring raw RTP in.
 */
import ndc, { type DataChannel } from "node-datachannel";
import { transportCcExtmapLine, transportCcFeedbackLine } from "../../core/sdp/transport-cc.ts";
import type { SessionDescription } from "../aws/mod.ts";
import { MediaTrack } from "./media-track.ts";
import type { Peer } from "./peer.ts";

/** Payload type -> profile-level-id offered (Constrained Baseline first, as browsers do). */
const h264Offers: [number, string][] = [
  [102, "42e01f"],
  [104, "42001f"],
  [106, "4d001f"],
  [108, "640032"],
];
/** Payload type -> H.265 profile-id offered, at the level Chromium offers (6.0, level-id 180). */
const h265Offers: [number, number][] = [
  [116, 1],
  [118, 2],
];
const vp8PayloadType = 96;
const opusPayloadType = 111;
/** The transport-wide sequence number's extension id we offer (Chromium offers 3 as well). */
export const offeredTransportCcId = 3;

/** The data channel label the KVS SDKs use. */
export const dataChannelLabel = "kvsDataChannel";

export interface Offer {
  offer: SessionDescription;
  video: MediaTrack;
  audio: MediaTrack;
  dataChannel?: DataChannel;
}

/**
 * `dataChannel: false` offers no data channel; `transportCc: false` leaves transport-cc out of the
 * offer (the benchmark's figures without it).
 */
export function makeViewerOffer(
  peer: Peer,
  options: { dataChannel?: boolean; transportCc?: boolean } = {},
): Offer {
  return { ...addReceivingTracks(peer, options), offer: localOffer(peer) };
}

/**
 * The viewer's receiving tracks (and data channel) without an offer: a viewer that joined a
 * storage session answers the media server's offer, whose mids are these.
 */
export function addReceivingTracks(
  peer: Peer,
  options: { dataChannel?: boolean; transportCc?: boolean } = {},
): Omit<Offer, "offer"> {
  const transportCc = options.transportCc ?? true;
  const video = new ndc.Video("0", "RecvOnly");
  for (const [pt, profileLevelId] of h264Offers) {
    video.addH264Codec(
      pt,
      `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profileLevelId}`,
    );
    if (transportCc) video.parseSdpLine(transportCcFeedbackLine(pt));
  }
  for (const [pt, profileId] of h265Offers) {
    video.addVideoCodec(
      pt,
      "H265",
      `level-id=180;profile-id=${profileId};tier-flag=0;tx-mode=SRST`,
    );
    if (transportCc) video.parseSdpLine(transportCcFeedbackLine(pt));
  }
  video.addVP8Codec(vp8PayloadType);
  if (transportCc) video.parseSdpLine(transportCcFeedbackLine(vp8PayloadType));
  const audio = new ndc.Audio("1", "RecvOnly");
  audio.addOpusCodec(opusPayloadType);
  if (transportCc) {
    video.parseSdpLine(transportCcExtmapLine(offeredTransportCcId));
    audio.parseSdpLine(transportCcFeedbackLine(opusPayloadType));
    audio.parseSdpLine(transportCcExtmapLine(offeredTransportCcId));
  }
  const videoTrack = new MediaTrack(peer.pc.addTrack(video), "video", 0, 90000);
  const audioTrack = new MediaTrack(peer.pc.addTrack(audio), "audio", opusPayloadType, 48000);
  const dataChannel = (options.dataChannel ?? true)
    ? peer.pc.createDataChannel(dataChannelLabel)
    : undefined;
  return { video: videoTrack, audio: audioTrack, dataChannel };
}

/** The peer's offer for the tracks added to it. */
export function localOffer(peer: Peer): SessionDescription {
  peer.pc.setLocalDescription("offer");
  const local = peer.pc.localDescription();
  if (!local || local.type !== "offer") throw new Error("libdatachannel made no offer");
  // Candidates are trickled (see ViewerClient), never inlined: libdatachannel may already have
  // put its host candidates in the description.
  const sdp = local.sdp.replace(/^a=(candidate:.*|end-of-candidates)\r?\n/gm, "");
  return { type: "offer", sdp };
}
