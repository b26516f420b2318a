/**
 * WebSocket signaling messages as the service reads and writes them (spec §5.2, §5.3).
 * Inbound keys are matched case-insensitively: the JS SDK sends `messagePayload`, the C SDK
 * `MessagePayload`, and both may add keys of their own, which are ignored.
 */
export const relayedActions = ["SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE"] as const;
export type RelayedAction = typeof relayedActions[number];

export interface ClientMessage {
  action: RelayedAction;
  messagePayload: string;
  recipientClientId?: string;
  correlationId?: string;
}

/** Why a frame was not relayed; `correlationId` is set when the sender can be told. */
export interface Refusal {
  refused: string;
  correlationId?: string;
}

const correlationIdPattern = /^[a-zA-Z0-9_.-]{1,256}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads one text frame; anything that is not a relayable message comes back as a Refusal. */
export function parseClientMessage(text: string, maxPayloadChars: number): ClientMessage | Refusal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { refused: "The message is not valid JSON." };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { refused: "The message must be a JSON object." };
  }
  const fields = new Map<string, unknown>();
  for (const [key, field] of Object.entries(value)) fields.set(key.toLowerCase(), field);
  const correlation = fields.get("correlationid");
  const correlationId = typeof correlation === "string" && correlationIdPattern.test(correlation)
    ? correlation
    : undefined;
  const refuse = (refused: string): Refusal => ({ refused, correlationId });

  const action = fields.get("action");
  if (typeof action !== "string" || !(relayedActions as readonly string[]).includes(action)) {
    return refuse(
      `The action ${JSON.stringify(action ?? null)} is not one of ${relayedActions.join(", ")}.`,
    );
  }
  const payload = fields.get("messagepayload");
  if (typeof payload !== "string" || payload.length === 0) {
    return refuse("The messagePayload is missing or not a string.");
  }
  if (payload.length > maxPayloadChars) {
    return refuse(
      `The messagePayload has ${payload.length} characters; at most ${maxPayloadChars} are allowed.`,
    );
  }
  if (!base64Pattern.test(payload)) return refuse("The messagePayload is not valid base64.");
  const recipient = fields.get("recipientclientid");
  if (recipient !== undefined && recipient !== null && typeof recipient !== "string") {
    return refuse("The recipientClientId must be a string.");
  }
  return {
    action: action as RelayedAction,
    messagePayload: payload,
    recipientClientId: recipient ? recipient : undefined,
    correlationId,
  };
}

export const isRefusal = (m: ClientMessage | Refusal): m is Refusal => "refused" in m;

/** A relayed message; to the master it names the viewer, to a viewer it names no one (§5.3). */
export function relayedEvent(message: ClientMessage, senderClientId?: string): string {
  return JSON.stringify({
    messagePayload: message.messagePayload,
    messageType: message.action,
    ...(senderClientId === undefined ? {} : { senderClientId }),
  });
}

export function statusResponseEvent(
  correlationId: string,
  errorType: string,
  statusCode: number,
  description: string,
): string {
  return JSON.stringify({
    messageType: "STATUS_RESPONSE",
    statusResponse: {
      correlationId,
      errorType,
      statusCode: String(statusCode),
      description,
      success: false,
    },
  });
}

export const goAwayEvent = JSON.stringify({ messageType: "GO_AWAY" });
