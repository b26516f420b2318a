import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMediaSections } from "../../core/sdp/offer.ts";
import {
  offeredTransportCc,
  transportCcExtmapLine,
  transportCcFeedbackLine,
} from "../../core/sdp/transport-cc.ts";
import { transportWideSequenceUri } from "../../core/rtp/transport-wide-sequence.ts";
import {
  chooseH264Format,
  h264AnswerParameters,
  streamProfileLevelId,
} from "../../core/sdp/h264-format.ts";
import { parseSps } from "../../core/h264/sps.ts";
import { parameterSets } from "../../core/media/media-frame.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { sampleFrames } from "./support/samples.ts";
import { chromiumOffer } from "./support/sdp-offers.ts";

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

test("transport-cc is taken from an offer mapping the extension with rtcp-fb on the format", () => {
  const offer = (extmap: string, feedback: string) =>
    parseMediaSections(
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:0\r\n" + extmap +
        "a=rtpmap:96 H264/90000\r\n" + feedback + "a=rtpmap:97 VP8/90000\r\n",
    )[0];
  const extmap = `a=extmap:4 ${transportWideSequenceUri}\r\n`;
  const section = offer(extmap, "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 transport-cc\r\n");
  assert.deepEqual(section.extensions, [{ id: 4, uri: transportWideSequenceUri }]);
  assert.deepEqual(section.formats[0].feedback, ["nack", "transport-cc"]);
  assert.equal(offeredTransportCc(section, 96), 4);
  assert.equal(offeredTransportCc(section, 97), undefined, "not for a format without rtcp-fb");
  assert.equal(offeredTransportCc(offer("", "a=rtcp-fb:96 transport-cc\r\n"), 96), undefined);
  const twoByteId = `a=extmap:15 ${transportWideSequenceUri}\r\n`;
  assert.equal(
    offeredTransportCc(offer(twoByteId, "a=rtcp-fb:96 transport-cc\r\n"), 96),
    undefined,
    "an id only a two-byte header can carry is not taken: the sender writes one-byte headers",
  );
  assert.equal(transportCcExtmapLine(4), `a=extmap:4 ${transportWideSequenceUri}`);
  assert.equal(transportCcFeedbackLine(96), "a=rtcp-fb:96 transport-cc");
});
