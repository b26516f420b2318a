import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { storageAnswerProblem, storagePayloadProblem } from "../../core/storage/answer-check.ts";
import { encodeBase64Json } from "../../core/aws/base64-json.ts";

/** An answer with a video and an audio section, each given its port, codec and direction. */
function answer(video: [number, string, string], audio: [number, string, string]): string {
  const section = (
    kind: string,
    [port, codec, direction]: [number, string, string],
    mid: number,
  ) => [
    `m=${kind} ${port} UDP/TLS/RTP/SAVPF 96`,
    `a=mid:${mid}`,
    `a=${direction}`,
    `a=rtpmap:96 ${codec}/${kind === "video" ? "90000" : "48000/2"}`,
  ];
  return [
    "v=0",
    "o=- 1 1 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    ...section("video", video, 0),
    ...section("audio", audio, 1),
    "",
  ].join("\r\n");
}

describe("what a storage session takes from the master's answer", () => {
  test("H.264 and Opus sent: taken", () => {
    assert.equal(
      storageAnswerProblem(answer([9, "H264", "sendonly"], [9, "opus", "sendonly"])),
      undefined,
    );
  });

  test("VP8 video, a rejected or receive-only section: refused, saying what is missing", () => {
    assert.match(
      storageAnswerProblem(answer([9, "VP8", "sendonly"], [9, "opus", "sendonly"]))!,
      /sends no H\.264 video\.$/,
    );
    assert.match(
      storageAnswerProblem(answer([0, "H264", "sendonly"], [9, "opus", "recvonly"]))!,
      /sends no H\.264 video and no Opus audio/,
    );
  });

  test("a relayed payload is read as the description's JSON; a bad one is refused", () => {
    const sdp = answer([9, "H264", "sendrecv"], [9, "opus", "sendrecv"]);
    assert.equal(storagePayloadProblem(encodeBase64Json({ type: "answer", sdp })), undefined);
    assert.match(storagePayloadProblem("%%%")!, /not base64 of JSON/);
    assert.match(storagePayloadProblem(encodeBase64Json({ type: "answer" }))!, /no SDP/);
  });
});
