import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseMediaSections } from "../../core/sdp/offer.ts";
import { chooseVideoFormat, streamVideoFormat } from "../../core/sdp/video-format.ts";
import { chromiumOffer } from "./support/sdp-offers.ts";

/** Chromium's offer with the H.265 Main format it offers where it can decode H.265. */
const offer = chromiumOffer.replace(
  "a=rtpmap:127 H264/90000",
  "a=rtpmap:116 H265/90000\r\na=fmtp:116 level-id=180;profile-id=1;tier-flag=0;tx-mode=SRST\r\n" +
    "a=rtpmap:127 H264/90000",
);
const formats = parseMediaSections(offer)[0].formats;
const h264Only = formats.filter((f) => f.codec === "H264");

describe("the video format a master answers with", () => {
  test("is its source's codec, with the offer's payload type", () => {
    const h264 = chooseVideoFormat(formats, streamVideoFormat("h264", {}));
    assert.ok("format" in h264 && h264.format.payloadType === 104, "Constrained Baseline");
    const vp8 = chooseVideoFormat(formats, streamVideoFormat("vp8", {}));
    assert.ok("format" in vp8 && vp8.format.payloadType === 96);
    assert.equal(vp8.parameters, undefined, "VP8 has no fmtp");
  });

  test("H.265 answers its stream's own profile, tier and level (RFC 7798)", () => {
    const h265 = chooseVideoFormat(formats, streamVideoFormat("h265", {}));
    assert.ok("format" in h265 && h265.format.payloadType === 116);
    assert.equal(h265.parameters, "profile-id=1;tier-flag=0;level-id=93;tx-mode=SRST");
  });

  test("an offer without the source's codec is refused naming both sides' codecs", () => {
    const refused = chooseVideoFormat(h264Only, streamVideoFormat("h265", {}));
    assert.ok("refused" in refused);
    assert.match(refused.refused, /no H\.265 format for profile-id 1/);
    assert.match(refused.refused, /the master sends H\.265; the offer has H264\)/);
    const noVp8 = chooseVideoFormat(formats.filter((f) => f.codec !== "VP8"), { codec: "vp8" });
    assert.ok("refused" in noVp8);
    assert.match(noVp8.refused, /sends VP8; the offer has H265, H264\)$/, "RTX is no codec");
  });
});
