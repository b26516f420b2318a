/**
 * An offer to send H.264 and Opus, for a peer that offers instead of answering: the storage
 * session's media server forwarding the master's media to a viewer that joined it (spec §4.2:
 * the media server offers, the viewer answers). One H.264 format, the stream's profile with
 * packetization-mode 1, and Opus, on the mids a kvsrtc viewer's own offer uses, with our SSRCs
 * so RTCP about them reaches our tracks.
 */
import ndc from "node-datachannel";
import { h264AnswerParameters } from "../../core/sdp/h264-format.ts";
import type { SessionDescription } from "../aws/mod.ts";
import type { SendingStream } from "./answer.ts";
import { MediaTrack } from "./media-track.ts";
import { localOffer } from "./offer.ts";
import type { Peer } from "./peer.ts";

const h264PayloadType = 102;
const opusPayloadType = 111;

export interface SendOffer {
  offer: SessionDescription;
  video: MediaTrack;
  audio: MediaTrack;
}

export function offerToSend(peer: Peer, stream: SendingStream): SendOffer {
  // A storage session carries H.264 only: the media server's own peer refuses anything else.
  if (stream.video.codec !== "h264") {
    throw new Error(`a storage session forwards H.264, not ${stream.video.codec}`);
  }
  const video = new ndc.Video("0", "SendOnly");
  video.addH264Codec(h264PayloadType, h264AnswerParameters(stream.video.profileLevelId));
  video.addSSRC(stream.videoSsrc, stream.cname, stream.cname, `${stream.cname}-video`);
  const audio = new ndc.Audio("1", "SendOnly");
  audio.addOpusCodec(opusPayloadType);
  audio.addSSRC(stream.audioSsrc, stream.cname, stream.cname, `${stream.cname}-audio`);
  const videoTrack = new MediaTrack(peer.pc.addTrack(video), "video", h264PayloadType, 90000);
  const audioTrack = new MediaTrack(peer.pc.addTrack(audio), "audio", opusPayloadType, 48000);
  return { offer: localOffer(peer), video: videoTrack, audio: audioTrack };
}
