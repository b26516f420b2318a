import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMediaSections } from "../../core/sdp/offer.ts";
import { maxRefusalReasonLength, refusalAnswer, refusalReason } from "../../core/sdp/refusal.ts";

const offer = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1 2",
  "m=video 9 UDP/TLS/RTP/SAVPF 102 104",
  "a=mid:0",
  "a=recvonly",
  "a=rtpmap:102 H264/90000",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=mid:1",
  "a=recvonly",
  "a=rtpmap:111 opus/48000/2",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "a=mid:2",
  "",
].join("\r\n");

test("a refusal answer rejects every m-section of the offer, in order, with its mid, kind and protocol", () => {
  const answer = refusalAnswer(offer, "10 viewers are connected");
  const m = answer.split("\r\n").filter((l) => l.startsWith("m="));
  assert.deepEqual(m, [
    "m=video 0 UDP/TLS/RTP/SAVPF 102",
    "m=audio 0 UDP/TLS/RTP/SAVPF 111",
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel",
  ]);
  assert.deepEqual(parseMediaSections(answer).map((s) => [s.kind, s.mid, s.direction]), [
    ["video", "0", "inactive"],
    ["audio", "1", "inactive"],
    ["application", "2", "inactive"],
  ]);
  assert.doesNotMatch(answer, /BUNDLE/, "no bundle group: nothing is accepted");
});

test("the refusal's reason reads back as it was given", () => {
  assert.equal(
    refusalReason(refusalAnswer(offer, "1 viewers are connected (--max-viewers 1)")),
    "1 viewers are connected (--max-viewers 1)",
  );
});

test("a reason is one printable line, bounded, never empty", () => {
  const injected = refusalReason(refusalAnswer(offer, "full\r\nm=video 9 RTP/AVP 0\r\na=x"));
  assert.equal(injected, "full m=video 9 RTP/AVP 0 a=x", "no line breaks reach the SDP");
  const long = refusalReason(refusalAnswer(offer, "x".repeat(5000)));
  assert.equal(long?.length, maxRefusalReasonLength);
  assert.equal(refusalReason(refusalAnswer(offer, "\n")), "refused");
});

test("an answer that serves any m-section is not a refusal, attribute or not", () => {
  const served = offer.replace("s=-", "s=-\r\na=x-kvsrtc-refused:no");
  assert.equal(refusalReason(served), undefined);
  assert.equal(refusalReason(offer), undefined, "no attribute");
  const rejectedWithoutReason = refusalAnswer(offer, "r").replace(/a=x-kvsrtc-refused:.*\r\n/, "");
  assert.equal(refusalReason(rejectedWithoutReason), undefined);
});

test("an offer that is not SDP still gets a well-formed refusal", () => {
  const answer = refusalAnswer("garbage", "cannot answer its offer");
  assert.ok(answer.startsWith("v=0\r\n"));
  assert.equal(refusalReason(answer), "cannot answer its offer");
});
