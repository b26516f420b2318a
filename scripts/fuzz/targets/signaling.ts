/**
 * Signaling frames: as a client decodes the service's (never throws: a bad frame is skipped
 * with its reason), as the endpoint reads a client's (never throws: a bad frame is a Refusal),
 * and the endpoint's relay fed frames from a master and viewers over fake sockets.
 */
import { encodeBase64Json } from "../../../core/aws/base64-json.ts";
import {
  decodeSignalingFrame,
  encodeSignalingMessage,
} from "../../../core/aws/signaling-messages.ts";
import {
  goAwayEvent,
  parseClientMessage,
  statusResponseEvent,
} from "../../../core/local-endpoint/signaling-message.ts";
import { awsRelayLimits, SignalingRelay } from "../../../core/local-endpoint/signaling-relay.ts";
import { mutateJson, mutateText } from "../mutate.ts";
import type { Rng } from "../prng.ts";
import { chromiumOffer } from "../seeds.ts";
import { type FuzzTarget, nothingThrown, showText } from "../target.ts";

const offer = { type: "offer", sdp: chromiumOffer };
const answer = { type: "answer", sdp: chromiumOffer };
const candidate = {
  candidate: "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host generation 0",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

/** Seeds as objects, so a case can mutate the frame or the JSON in its base64 payload. */
interface FrameSeed {
  frame: Record<string, unknown>;
  payload?: unknown;
}

const serviceFrames: FrameSeed[] = [
  { frame: { messageType: "SDP_OFFER", senderClientId: "viewer-1" }, payload: offer },
  { frame: { messageType: "SDP_ANSWER" }, payload: answer },
  { frame: { MessageType: "ICE_CANDIDATE", SenderClientId: "viewer-1" }, payload: candidate },
  { frame: JSON.parse(statusResponseEvent("corr-1", "InvalidArgumentException", 400, "bad")) },
  { frame: JSON.parse(goAwayEvent) },
  { frame: { messageType: "RECONNECT_ICE_SERVER" } },
  { frame: { message: "Endpoint request timed out", connectionId: "x" } },
];

const clientFrames: FrameSeed[] = [
  { frame: { action: "SDP_OFFER", recipientClientId: "" }, payload: offer },
  { frame: { action: "SDP_ANSWER", recipientClientId: "viewer-1" }, payload: answer },
  { frame: { Action: "ICE_CANDIDATE", RecipientClientId: "viewer-1" }, payload: candidate },
  { frame: { action: "ICE_CANDIDATE", correlationId: "c-1" }, payload: candidate },
];

/** One frame's text: the seed's, mutated as text, as JSON, or in its payload's JSON. */
function frameText(seeds: readonly FrameSeed[], rng: Rng): string {
  const seed = rng.pick(seeds);
  const payload = seed.payload !== undefined && rng.chance(0.3)
    ? mutateJson(seed.payload, rng)
    : seed.payload;
  let frame: unknown = payload === undefined
    ? seed.frame
    : { ...seed.frame, [rng.chance(0.5) ? "messagePayload" : "MessagePayload"]: encode(payload) };
  if (rng.chance(0.4)) frame = mutateJson(frame, rng);
  const text = JSON.stringify(frame) ?? "";
  return rng.chance(0.4) ? mutateText(text, rng, JSON.stringify(rng.pick(seeds).frame)) : text;
}

function encode(payload: unknown): string {
  try {
    return encodeBase64Json(payload);
  } catch {
    return String(payload); // a value JSON cannot hold (a hostile value): its text instead
  }
}

export const signalingFrameClient: FuzzTarget<string> = {
  name: "signaling-frame-client",
  input: (rng) => frameText(serviceFrames, rng),
  run: (text) => decodeSignalingFrame(text),
  deliberate: nothingThrown,
  show: showText,
};

export const signalingMessageEndpoint: FuzzTarget<string> = {
  name: "signaling-message-endpoint",
  input: (rng) => frameText(clientFrames, rng),
  run: (text) => parseClientMessage(text, awsRelayLimits.maxPayloadChars),
  deliberate: nothingThrown,
  show: showText,
};

type Sender = "master" | "viewer-1";
interface RelayCase {
  frames: { from: Sender; text: string }[];
}

/**
 * A channel with a master and a viewer connected, each frame from one of them (messages for a
 * second viewer, offline, wait for it). Everything the relay sends must be JSON; every
 * connection is closed at the end, so no timer is left behind.
 */
export const signalingRelay: FuzzTarget<RelayCase> = {
  name: "signaling-relay",
  input(rng) {
    const frames = Array.from({ length: 1 + rng.below(6) }, () => {
      const from = rng.pick(["master", "viewer-1"] as const);
      if (rng.chance(0.2)) return { from, text: validFrame(rng) };
      return { from, text: frameText(clientFrames, rng) };
    });
    return { frames };
  },
  run({ frames }) {
    const relay = new SignalingRelay(awsRelayLimits, () => 0);
    const channel = {
      arn: "arn:aws:kinesisvideo:us-west-2:111122223333:channel/fuzz/1",
      messageTtlSeconds: 60,
    };
    const socket = {
      send(text: string) {
        JSON.parse(text); // a SyntaxError here is the relay's bug
      },
      bufferedAmount: () => 0,
      close() {},
    };
    const connections = {
      master: relay.admit(channel, "MASTER"),
      "viewer-1": relay.admit(channel, "VIEWER", "viewer-1"),
    };
    connections.master.open(socket);
    connections["viewer-1"].open(socket);
    try {
      for (const { from, text } of frames) connections[from].receive(text);
    } finally {
      for (const connection of relay.connections()) connection.close();
      for (const connection of Object.values(connections)) connection.closed();
    }
  },
  deliberate: nothingThrown,
  show: (c) => JSON.stringify(c.frames).slice(0, 4000),
};

/** A frame as a client sends it, unmutated: some cases must get past parsing into routing. */
function validFrame(rng: Rng): string {
  return encodeSignalingMessage({
    action: rng.pick(["SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE"] as const),
    payload: rng.pick([offer, answer, candidate, {
      ...candidate,
      candidate: "",
    }]) as typeof candidate,
    recipientClientId: rng.chance(0.5) ? rng.pick(["viewer-1", "viewer-2"]) : undefined,
    correlationId: rng.chance(0.3) ? "c-2" : undefined,
  });
}
