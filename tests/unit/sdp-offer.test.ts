import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMediaSections } from "../../core/sdp/offer.ts";
import {
  chooseH264Format,
  h264AnswerParameters,
  streamProfileLevelId,
} from "../../core/sdp/h264-format.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { parameterSets } from "../../core/media/media-frame.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { sampleFrames } from "./support/samples.ts";

// Trimmed from a Chromium offer: several H.264 profiles, RTX, Opus and a data channel.
const chromiumOffer = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1 2",
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 106 127",
  "a=mid:0",
  "a=recvonly",
  "a=rtpmap:96 VP8/90000",
  "a=rtpmap:97 rtx/90000",
  "a=fmtp:97 apt=96",
  "a=rtpmap:102 H264/90000",
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
  "a=rtpmap:103 H264/90000",
  "a=fmtp:103 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f",
  "a=rtpmap:104 H264/90000",
  "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  "a=rtpmap:106 H264/90000",
  "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032",
  "a=rtpmap:127 H264/90000",
  "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63",
  "a=mid:1",
  "a=recvonly",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtpmap:63 red/48000/2",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "a=mid:2",
  "",
].join("\r\n");

test("an offer's media sections: kind, mid, index, direction and formats in offer order", () => {
  const [video, audio, data] = parseMediaSections(chromiumOffer);
  assert.deepEqual([video.kind, video.mid, video.index, video.direction], [
    "video",
    "0",
    0,
    "recvonly",
  ]);
  assert.deepEqual(video.formats.map((f) => f.payloadType), [96, 97, 102, 103, 104, 106, 127]);
  assert.equal(video.formats[2].parameters.get("profile-level-id"), "42001f");
  assert.deepEqual([audio.kind, audio.mid, audio.formats[0].codec, audio.formats[0].channels], [
    "audio",
    "1",
    "opus",
    2,
  ]);
  assert.deepEqual([data.kind, data.mid, data.direction], ["application", "2", "sendrecv"]);
});

test("the H.264 format is chosen by profile (any spelling) and packetization-mode 1", () => {
  const [video] = parseMediaSections(chromiumOffer);
  assert.equal(chooseH264Format(video.formats, "42c01f")?.payloadType, 104, "Constrained Baseline");
  assert.equal(chooseH264Format(video.formats, "640028")?.payloadType, 106, "High");
  assert.equal(chooseH264Format(video.formats, "4d0028")?.payloadType, 127, "Main");
  const onlyHigh = video.formats.filter((f) => f.payloadType === 106);
  assert.equal(chooseH264Format(onlyHigh, "42e01f")?.payloadType, 106, "CB decodes as High");
  assert.equal(chooseH264Format(onlyHigh, "4d0028"), undefined, "Main is not High");
  assert.equal(
    h264AnswerParameters("42e01f"),
    "profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
  );
});

test("text that is not SDP, or a section without a mid, is refused with the reason", () => {
  assert.throws(() => parseMediaSections("hello"), /not an SDP/);
  assert.throws(() => parseMediaSections("v=0\r\nm=video 9 RTP/AVP 96\r\n"), /no a=mid/);
});

test("the answer's profile-level-id is the stream's SPS's, or Constrained Baseline 3.1 before one", () => {
  assert.equal(streamProfileLevelId(undefined), "42e01f");
  const { sps } = parameterSets(sampleFrames[0], findNalUnits(sampleFrames[0]));
  assert.equal(streamProfileLevelId(parseSps(sps!)), "42c01f");
});
