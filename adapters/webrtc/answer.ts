/**
 * The master's side of one viewer's offer: send-only video (the source's codec: H.264, H.265 or
 * VP8) and Opus tracks on the offer's own mids and payload types, added BEFORE the offer is
 * applied (otherwise libdatachannel answers with every codec the offer listed), the video format
 * chosen to match the source (H.264: its profile, packetization-mode 1; H.265: its profile), and
 * our SSRCs in the answer so RTCP about them reaches our tracks.
 * A section offering transport-cc gets it answered, with the offer's extension id.
 */
import ndc from "node-datachannel";
import { type MediaSection, parseMediaSections } from "../../core/sdp/offer.ts";
import {
  chooseVideoFormat,
  rtpEncodingName,
  type VideoFormat,
} from "../../core/sdp/video-format.ts";
import {
  offeredTransportCc,
  transportCcExtmapLine,
  transportCcFeedbackLine,
} from "../../core/sdp/transport-cc.ts";
import type { SessionDescription } from "../aws/mod.ts";
import { MediaTrack } from "./media-track.ts";
import type { Peer } from "./peer.ts";

export interface SendingStream {
  /** The source's codec and its facts (streamVideoFormat). */
  video: VideoFormat;
  videoSsrc: number;
  audioSsrc: number;
  /** RTCP CNAME and media stream id. */
  cname: string;
}

export interface Answer {
  answer: SessionDescription;
  video?: MediaTrack;
  audio?: MediaTrack;
}

/** A viewer's offer we cannot answer: the message says why. */
export class OfferError extends Error {
  override name = "OfferError";
}

/** Answers transport-cc on the media when the section offers it; its extension id, then. */
function answerTransportCc(
  media: { parseSdpLine(line: string): void },
  section: MediaSection,
  payloadType: number,
): number | undefined {
  const id = offeredTransportCc(section, payloadType);
  if (id === undefined) return undefined;
  media.parseSdpLine(transportCcExtmapLine(id));
  media.parseSdpLine(transportCcFeedbackLine(payloadType));
  return id;
}

export function answerOffer(peer: Peer, offer: SessionDescription, stream: SendingStream): Answer {
  let sections;
  try {
    sections = parseMediaSections(offer.sdp);
  } catch (error) {
    throw new OfferError((error as Error).message);
  }
  const wantsMedia = (s: { direction: string }) =>
    s.direction === "recvonly" || s.direction === "sendrecv";
  const result: Omit<Answer, "answer"> = {};
  for (const section of sections) {
    if (section.kind === "video" && wantsMedia(section) && !result.video) {
      const chosen = chooseVideoFormat(section.formats, stream.video);
      if ("refused" in chosen) throw new OfferError(chosen.refused);
      const { format, parameters } = chosen;
      const video = new ndc.Video(section.mid, "SendOnly");
      const encoding = rtpEncodingName[stream.video.codec];
      // The addon takes no undefined for the fmtp: VP8's format has none.
      if (parameters) video.addVideoCodec(format.payloadType, encoding, parameters);
      else video.addVideoCodec(format.payloadType, encoding);
      video.addSSRC(stream.videoSsrc, stream.cname, stream.cname, `${stream.cname}-video`);
      const twcc = answerTransportCc(video, section, format.payloadType);
      const track = peer.pc.addTrack(video);
      result.video = new MediaTrack(track, "video", format.payloadType, 90000, twcc);
    } else if (section.kind === "audio" && wantsMedia(section) && !result.audio) {
      const format = section.formats.find((f) => f.codec.toLowerCase() === "opus");
      if (!format) continue; // video only, then
      const audio = new ndc.Audio(section.mid, "SendOnly");
      audio.addOpusCodec(format.payloadType);
      audio.addSSRC(stream.audioSsrc, stream.cname, stream.cname, `${stream.cname}-audio`);
      const twcc = answerTransportCc(audio, section, format.payloadType);
      const track = peer.pc.addTrack(audio);
      result.audio = new MediaTrack(track, "audio", format.payloadType, 48000, twcc);
    }
  }
  if (!result.video && !result.audio) {
    throw new OfferError("the offer asks to receive neither video nor audio");
  }
  // The viewer's offer says actpass (either DTLS role). Applied as "passive", it makes our answer
  // active (as browsers answer): we send the ClientHello. libdatachannel 0.24.5 starts DTLS when
  // its own ICE is connected; a ClientHello that reached the DTLS server before that is queued,
  // then flushed in DtlsTransport::start() before the transport is "connecting", and the pool
  // thread that reads it may return without handling it: the handshake then waits for the
  // client's 1 s retransmission. The viewer trickles its candidates only after our answer, so
  // its ICE checks start first and its side connects first; with the viewer as DTLS server its
  // transport is ready when our ClientHello arrives (bench p95 offer -> first frame: 1005 ms
  // with the viewer as client, ~62 ms this way).
  peer.setRemoteDescription({
    type: "offer",
    sdp: offer.sdp.replace(/^a=setup:actpass/gm, "a=setup:passive"),
  }, sections);
  const local = peer.pc.localDescription();
  if (!local || local.type !== "answer") throw new OfferError("no answer was made for the offer");
  return { answer: { type: "answer", sdp: local.sdp }, ...result };
}
