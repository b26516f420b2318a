import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeSignalingFrame, encodeSignalingMessage } from "../../core/aws/signaling-messages.ts";
import { encodeBase64Json } from "../../core/aws/base64-json.ts";

const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";
const candidate = {
  candidate: "candidate:1 1 UDP 2122252543 127.0.0.1 5000 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

describe("signaling messages: encoding what a client sends", () => {
  test("an answer to a viewer carries the recipient and a base64 JSON payload", () => {
    const frame = JSON.parse(encodeSignalingMessage({
      action: "SDP_ANSWER",
      payload: { type: "answer", sdp },
      recipientClientId: "viewer-1",
    }));
    assert.equal(frame.action, "SDP_ANSWER");
    assert.equal(frame.recipientClientId, "viewer-1");
    assert.equal(frame.correlationId, undefined);
    assert.deepEqual(JSON.parse(atob(frame.messagePayload)), { type: "answer", sdp });
  });

  test("non-ASCII survives the base64 round trip", () => {
    const frame = encodeSignalingMessage({
      action: "SDP_OFFER",
      payload: { type: "offer", sdp: sdp + "s=caméra ✓\r\n" },
    });
    const back = decodeSignalingFrame(
      frame.replace('"action":"SDP_OFFER"', '"messageType":"SDP_OFFER"'),
    );
    assert.ok("event" in back && back.event.type === "SDP_OFFER");
    assert.match(back.event.description.sdp, /caméra ✓/);
  });

  test("an invalid recipient or correlation id is refused before sending", () => {
    assert.throws(
      () =>
        encodeSignalingMessage({
          action: "ICE_CANDIDATE",
          payload: candidate,
          recipientClientId: "a b",
        }),
      /recipient/,
    );
    assert.throws(
      () =>
        encodeSignalingMessage({ action: "ICE_CANDIDATE", payload: candidate, correlationId: "" }),
      /correlation/,
    );
  });
});

describe("signaling messages: decoding what the service sends, tolerantly", () => {
  test("an offer from a viewer, as the service relays it", () => {
    const decoded = decodeSignalingFrame(JSON.stringify({
      senderClientId: "viewer-1",
      messageType: "SDP_OFFER",
      messagePayload: encodeBase64Json({ type: "offer", sdp }),
    }));
    assert.deepEqual(decoded, {
      event: { type: "SDP_OFFER", description: { type: "offer", sdp }, senderClientId: "viewer-1" },
    });
  });

  test("capitalised keys (C SDK style) and extra keys are accepted", () => {
    const decoded = decodeSignalingFrame(JSON.stringify({
      MessageType: "ICE_CANDIDATE",
      SenderClientId: "v2",
      MessagePayload: encodeBase64Json({
        Candidate: candidate.candidate,
        SdpMid: "0",
        SdpMLineIndex: 0,
      }),
      IceServerList: [],
    }));
    assert.deepEqual(decoded, {
      event: { type: "ICE_CANDIDATE", candidate, senderClientId: "v2" },
    });
  });

  test("a master's message to a viewer may lack senderClientId", () => {
    const decoded = decodeSignalingFrame(JSON.stringify({
      messageType: "SDP_ANSWER",
      messagePayload: encodeBase64Json({ type: "answer", sdp }),
    }));
    assert.ok("event" in decoded && decoded.event.type === "SDP_ANSWER");
    assert.equal("senderClientId" in decoded.event, false);
  });

  test("GO_AWAY, RECONNECT_ICE_SERVER and STATUS_RESPONSE become typed events", () => {
    assert.deepEqual(decodeSignalingFrame('{"messageType":"GO_AWAY"}'), {
      event: { type: "GO_AWAY" },
    });
    assert.deepEqual(decodeSignalingFrame('{"messageType":"RECONNECT_ICE_SERVER"}'), {
      event: { type: "RECONNECT_ICE_SERVER" },
    });
    assert.deepEqual(
      decodeSignalingFrame(JSON.stringify({
        messageType: "STATUS_RESPONSE",
        statusResponse: {
          correlationId: "17",
          errorType: "InvalidArgumentException",
          statusCode: 400,
          description: "bad codec",
          success: false,
        },
      })),
      {
        event: {
          type: "STATUS_RESPONSE",
          status: {
            correlationId: "17",
            errorType: "InvalidArgumentException",
            statusCode: "400",
            description: "bad codec",
            success: false,
          },
        },
      },
    );
  });

  test("unusable frames are skipped with a reason, never thrown", () => {
    const skipped = (frame: string) => {
      const d = decodeSignalingFrame(frame);
      assert.ok("skipped" in d, `expected ${frame} to be skipped`);
      return d.skipped;
    };
    assert.equal(skipped(""), "empty frame");
    assert.equal(skipped("not json"), "frame is not JSON");
    assert.equal(skipped("[1,2]"), "frame is not a JSON object");
    assert.match(
      skipped('{"message":"Endpoint request timed out","connectionId":"x"}'),
      /timed out/,
    );
    assert.match(skipped('{"messageType":"SDP_OFFER","messagePayload":"%%%"}'), /not base64/);
    assert.match(
      skipped(
        JSON.stringify({
          messageType: "SDP_OFFER",
          messagePayload: encodeBase64Json({ type: "answer", sdp }),
        }),
      ),
      /not "offer"/,
    );
    assert.match(
      skipped(
        JSON.stringify({
          messageType: "ICE_CANDIDATE",
          messagePayload: encodeBase64Json({ sdpMid: "0" }),
        }),
      ),
      /no candidate/,
    );
    assert.match(skipped('{"messageType":"SDP_OFFER"}'), /no messagePayload/);
    assert.match(skipped('{"messageType":"SOMETHING_NEW"}'), /unknown messageType/);
  });
});
