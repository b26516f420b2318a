/**
 * The KVS WebSocket signaling messages (spec §5.2, §5.3): encode what a client sends, decode what
 * the service sends. Decoding is tolerant, as the official clients are: keys are matched without
 * regard to case (the C SDK capitalises them), unknown keys are ignored, and a frame that cannot
 * be used is reported as skipped with the reason, never thrown.
 */
import { decodeBase64Json, encodeBase64Json } from "./base64-json.ts";

/**
 * The WebSocket close code with which kvsrtc's local endpoint retires a connection that a newer
 * one took precedence over: a new master on the channel, or a viewer reusing its client id
 * (4000-4999 are the applications' own). The retired client must not reconnect, or the two would
 * keep taking the channel from each other.
 */
export const supersededCloseCode = 4001;

export type SignalingAction = "SDP_OFFER" | "SDP_ANSWER" | "ICE_CANDIDATE";

export interface SessionDescription {
  type: "offer" | "answer";
  sdp: string;
}

export interface IceCandidate {
  /** "" marks the end of candidates. */
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment?: string | null;
}

export interface StatusResponse {
  correlationId?: string;
  errorType?: string;
  statusCode?: string;
  description?: string;
  success?: boolean;
}

export type SignalingEvent =
  | { type: "SDP_OFFER" | "SDP_ANSWER"; description: SessionDescription; senderClientId?: string }
  | { type: "ICE_CANDIDATE"; candidate: IceCandidate; senderClientId?: string }
  | { type: "STATUS_RESPONSE"; status: StatusResponse; senderClientId?: string }
  | { type: "GO_AWAY" }
  | { type: "RECONNECT_ICE_SERVER" };

export type DecodedFrame = { event: SignalingEvent } | { skipped: string };

const clientIdPattern = /^[a-zA-Z0-9_.-]{1,256}$/;

export interface OutgoingMessage {
  action: SignalingAction;
  payload: SessionDescription | IceCandidate;
  recipientClientId?: string;
  correlationId?: string;
}

/** The text frame a client sends; absent ids are omitted, as the JS SDK does. */
export function encodeSignalingMessage(message: OutgoingMessage): string {
  if (message.recipientClientId !== undefined && !clientIdPattern.test(message.recipientClientId)) {
    throw new Error(`recipient client id "${message.recipientClientId}" is not valid`);
  }
  if (message.correlationId !== undefined && !clientIdPattern.test(message.correlationId)) {
    throw new Error(`correlation id "${message.correlationId}" is not valid`);
  }
  return JSON.stringify({
    action: message.action,
    messagePayload: encodeBase64Json(message.payload),
    ...(message.recipientClientId !== undefined
      ? { recipientClientId: message.recipientClientId }
      : {}),
    ...(message.correlationId !== undefined ? { correlationId: message.correlationId } : {}),
  });
}

/** A shallow copy of `obj` with lower-case keys. */
function lowerKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function sessionDescription(payload: unknown, expected: "offer" | "answer"): SessionDescription {
  if (!isObject(payload)) throw new Error("payload is not a JSON object");
  const p = lowerKeys(payload);
  if (p.type !== expected) {
    throw new Error(`payload type is ${JSON.stringify(p.type)}, not "${expected}"`);
  }
  if (typeof p.sdp !== "string" || !p.sdp.startsWith("v=")) throw new Error("payload has no SDP");
  return { type: expected, sdp: p.sdp };
}

function iceCandidate(payload: unknown): IceCandidate {
  if (!isObject(payload)) throw new Error("payload is not a JSON object");
  const p = lowerKeys(payload);
  if (typeof p.candidate !== "string") throw new Error("payload has no candidate string");
  const mid = p.sdpmid;
  const index = typeof p.sdpmlineindex === "string" ? Number(p.sdpmlineindex) : p.sdpmlineindex;
  if (mid === undefined && index === undefined) {
    throw new Error("candidate has neither sdpMid nor sdpMLineIndex");
  }
  return {
    candidate: p.candidate,
    sdpMid: typeof mid === "string" ? mid : null,
    sdpMLineIndex: typeof index === "number" && Number.isInteger(index) && index >= 0
      ? index
      : null,
    ...(typeof p.usernamefragment === "string" ? { usernameFragment: p.usernamefragment } : {}),
  };
}

function statusResponse(value: unknown): StatusResponse {
  if (!isObject(value)) return {};
  const s = lowerKeys(value);
  const success = typeof s.success === "boolean"
    ? s.success
    : typeof s.success === "string"
    ? s.success === "true"
    : undefined;
  return {
    correlationId: optionalString(s.correlationid),
    errorType: optionalString(s.errortype),
    statusCode: s.statuscode === undefined ? undefined : String(s.statuscode),
    description: optionalString(s.description),
    ...(success !== undefined ? { success } : {}),
  };
}

/** Decodes one text frame from the service. */
export function decodeSignalingFrame(frame: string): DecodedFrame {
  if (frame.trim() === "") return { skipped: "empty frame" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch {
    return { skipped: "frame is not JSON" };
  }
  if (!isObject(parsed)) return { skipped: "frame is not a JSON object" };
  const m = lowerKeys(parsed);
  const type = m.messagetype;
  if (typeof type !== "string") {
    // e.g. API Gateway's {"message":"Endpoint request timed out",...}
    const note = typeof m.message === "string" ? `: ${m.message}` : "";
    return { skipped: `frame has no messageType${note}` };
  }
  const senderClientId = optionalString(m.senderclientid);
  const sender = senderClientId !== undefined ? { senderClientId } : {};
  try {
    switch (type.toUpperCase()) {
      case "GO_AWAY":
        return { event: { type: "GO_AWAY" } };
      case "RECONNECT_ICE_SERVER":
        return { event: { type: "RECONNECT_ICE_SERVER" } };
      case "STATUS_RESPONSE":
        return {
          event: { type: "STATUS_RESPONSE", status: statusResponse(m.statusresponse), ...sender },
        };
      case "SDP_OFFER":
      case "SDP_ANSWER": {
        const kind = type.toUpperCase() === "SDP_OFFER" ? "offer" : "answer";
        const description = sessionDescription(payloadOf(m), kind);
        return {
          event: { type: kind === "offer" ? "SDP_OFFER" : "SDP_ANSWER", description, ...sender },
        };
      }
      case "ICE_CANDIDATE":
        return {
          event: { type: "ICE_CANDIDATE", candidate: iceCandidate(payloadOf(m)), ...sender },
        };
      default:
        return { skipped: `unknown messageType ${JSON.stringify(type)}` };
    }
  } catch (err) {
    return { skipped: `${type} from ${senderClientId ?? "the master"}: ${(err as Error).message}` };
  }
}

function payloadOf(m: Record<string, unknown>): unknown {
  if (typeof m.messagepayload !== "string" || m.messagepayload === "") {
    throw new Error("no messagePayload");
  }
  try {
    return decodeBase64Json(m.messagepayload);
  } catch {
    throw new Error("messagePayload is not base64 of JSON");
  }
}
