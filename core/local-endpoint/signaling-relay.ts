/**
 * The signaling relay: per channel one master and up to N viewers (spec §5.4). A new master, or a
 * viewer reusing a client id, takes precedence and the old connection is closed. Messages from a
 * viewer go to the master with the viewer's id as senderClientId; the master's go to the viewer it
 * names. The storage session's peer (the endpoint's own, in-process, spec §4.2) is a connection
 * too, outside the viewers' count: its messages go to the master with no senderClientId, and the
 * master's messages with no recipient go to it. A message for a client that is not connected
 * waits for it up to the channel's message TTL, as the service stores it. Bad frames are answered (STATUS_RESPONSE, when they carry a
 * correlationId) or dropped; they never affect anyone else. Every buffer a client can fill is
 * bounded (RelayLimits): message size and rate, connections, and what a client leaves unread.
 */
import { supersededCloseCode } from "../aws/signaling-messages.ts";
import { clientLimitExceeded, invalidArgument } from "./errors.ts";
import {
  type ClientMessage,
  goAwayEvent,
  isRefusal,
  parseClientMessage,
  type RelayedAction,
  relayedActions,
  relayedEvent,
  statusResponseEvent,
} from "./signaling-message.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface SignalingSocket {
  send(text: string): void;
  /** Bytes sent that the client has not taken yet. */
  bufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

export interface RelayLimits {
  /** Concurrent viewers per channel (AWS: 10). */
  maxViewers: number;
  /** Longest accepted base64 messagePayload (AWS: 10 KB). */
  maxPayloadChars: number;
  /** Frames longer than this are dropped unread. */
  maxFrameChars: number;
  /** A frame longer than this closes the socket (1009) before it is buffered whole (a guess:
   * AWS documents only the payload bound; its gateway closes on far larger frames). */
  maxMessageBytes: number;
  /** Relayed messages per second per connection, by action (AWS: 5, 5 and 20). Past the rate a
   * message is dropped, answered ClientLimitExceededException when it has a correlationId
   * (AWS's throttling error; that it is sent this way is a guess). */
  messagesPerSecond: Record<RelayedAction, number>;
  /** How many seconds' worth of messages may come at once (a guess: AWS quotes rates, not
   * bursts; a master answering ten viewers sends ten answers and dozens of candidates at once). */
  messageBurstSeconds: number;
  /** Bytes sent to a client and not yet taken by it (its socket's buffer, or what waits for
   * the socket to open); past this the client is closed with 1008 (bound and code are guesses).
   * Well above a full queue of held messages (maxPendingPerClient x 10 KB), sent in one go. */
  maxUnsentBytes: number;
  /** Signaling connections of the whole endpoint, open or upgrading (a guess). */
  maxConnections: number;
  /** Of those, admitted but not open yet (a guess). */
  maxPendingUpgrades: number;
  /** GO_AWAY after this long connected (AWS: 1 h). */
  maxConnectionMs: number;
  /** GO_AWAY after this long without a message from the client (AWS: 10 min). */
  idleTimeoutMs: number;
  /** Time between GO_AWAY and closing the socket (AWS: up to 1 min). */
  goAwayGraceMs: number;
  /** Messages waiting for one offline client. */
  maxPendingPerClient: number;
}

export const awsRelayLimits: RelayLimits = {
  maxViewers: 10,
  maxPayloadChars: 10_240,
  maxFrameChars: 65_536,
  maxMessageBytes: 1_048_576,
  messagesPerSecond: { SDP_OFFER: 5, SDP_ANSWER: 5, ICE_CANDIDATE: 20 },
  messageBurstSeconds: 10,
  maxUnsentBytes: 4_194_304,
  maxConnections: 1000,
  maxPendingUpgrades: 100,
  maxConnectionMs: 3_600_000,
  idleTimeoutMs: 600_000,
  goAwayGraceMs: 60_000,
  maxPendingPerClient: 100,
};

/**
 * FORWARD: the storage session's peer for one viewer that joined it (JoinStorageSessionAsViewer):
 * it offers the master's media to that viewer, whose messages then go to it, not to the master.
 */
export type Role = "MASTER" | "VIEWER" | "STORAGE" | "FORWARD";

export interface RelayChannel {
  arn: string;
  messageTtlSeconds: number;
}

interface Pending {
  text: string;
  expiresAt: number;
  offerFrom?: string;
}

/** The master's and the storage peer's keys in a channel's tables; viewer ids may not start
 * with AWS_, so they cannot clash. */
const masterKey = "AWS_MASTER";
const storageKey = "AWS_STORAGE";

const forwardKey = (viewerId: string) => `${storageKey}_TO_${viewerId}`;

function keyOf(role: Role, clientId: string | undefined): string {
  return role === "MASTER"
    ? masterKey
    : role === "STORAGE"
    ? storageKey
    : role === "FORWARD"
    ? forwardKey(clientId!)
    : clientId!;
}

class ChannelSession {
  readonly connections = new Map<string, SignalingConnection>();
  readonly pending = new Map<string, Pending[]>();
  constructor(public channel: RelayChannel) {}

  get viewerCount(): number {
    return [...this.connections.values()].filter((c) => c.role === "VIEWER").length;
  }
}

/** One client's WebSocket, from admission to close. */
export class SignalingConnection {
  #socket?: SignalingSocket;
  /** What was sent before the socket opened, and its length. */
  #backlog: string[] = [];
  #backlogChars = 0;
  readonly #rates: Record<RelayedAction, TokenBucket>;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #idleTimer?: ReturnType<typeof setTimeout>;
  #openDeadline: ReturnType<typeof setTimeout>;
  #goingAway = false;
  #closed = false;
  /** Frames received that were not relayed (malformed, oversized, binary, refused). */
  refusedFrames = 0;
  /**
   * Set by an in-process client (the storage peer): why it refuses a message sent to it. The
   * sender is then told InvalidArgumentException (when it gave a correlation id) and the
   * message is not delivered.
   */
  screen?: (message: ClientMessage) => string | undefined;

  constructor(
    private readonly relay: SignalingRelay,
    private readonly session: ChannelSession,
    readonly role: Role,
    readonly clientId: string | undefined,
  ) {
    // An upgrade that never opens must not hold a viewer slot.
    this.#openDeadline = setTimeout(() => this.closed(), 10_000);
    const { messagesPerSecond, messageBurstSeconds } = relay.limits;
    this.#rates = Object.fromEntries(relayedActions.map((action) => {
      const rate = messagesPerSecond[action];
      return [action, new TokenBucket(rate, rate * messageBurstSeconds, relay.now)];
    })) as Record<RelayedAction, TokenBucket>;
  }

  get key(): string {
    return keyOf(this.role, this.clientId);
  }

  get isOpen(): boolean {
    return this.#socket !== undefined;
  }

  /** Names the client in a log line. */
  get name(): string {
    const who = this.role === "MASTER"
      ? "the master"
      : this.role === "STORAGE"
      ? "the storage peer"
      : this.role === "FORWARD"
      ? `the storage session's peer for viewer ${this.clientId}`
      : `viewer ${this.clientId}`;
    return `${who} of ${this.session.channel.arn}`;
  }

  open(socket: SignalingSocket): void {
    if (this.#closed) {
      socket.close(supersededCloseCode, "Replaced by a newer connection");
      return;
    }
    clearTimeout(this.#openDeadline);
    this.#socket = socket;
    const limits = this.relay.limits;
    this.#timers.push(setTimeout(() => this.goAway(), limits.maxConnectionMs));
    this.#touch();
    const waiting = [...this.#backlog, ...this.relay.takePending(this.session, this.key)];
    this.#backlog = [];
    this.#backlogChars = 0;
    for (const text of waiting) this.send(text);
  }

  send(text: string): void {
    if (this.#closed) return;
    let unsent: number;
    if (this.#socket) {
      this.#socket.send(text);
      unsent = this.#socket.bufferedAmount();
    } else {
      this.#backlog.push(text);
      unsent = this.#backlogChars += text.length;
    }
    if (unsent > this.relay.limits.maxUnsentBytes) {
      this.relay.onWarning?.(
        `local endpoint: closing ${this.name}: it has not read ${unsent} bytes ` +
          `(bound ${this.relay.limits.maxUnsentBytes})`,
      );
      this.close(1008, "Messages are not being read");
    }
  }

  /** Tell the sender why its message was not relayed, when it gave a correlationId. */
  refuse(correlationId: string | undefined, errorType: string, description: string): void {
    this.refusedFrames++;
    if (correlationId) {
      this.send(statusResponseEvent(correlationId, errorType, 400, description));
    }
  }

  receive(data: string | Uint8Array): void {
    if (this.#closed) return;
    this.#touch();
    if (typeof data !== "string" || data.length > this.relay.limits.maxFrameChars) {
      this.refusedFrames++;
      return;
    }
    const message = parseClientMessage(data, this.relay.limits.maxPayloadChars);
    if (isRefusal(message)) {
      this.refuse(message.correlationId, "InvalidArgumentException", message.refused);
      return;
    }
    if (!this.#rates[message.action].take()) {
      const { action } = message;
      this.refuse(
        message.correlationId,
        "ClientLimitExceededException",
        `More than ${this.relay.limits.messagesPerSecond[action]} ${action} messages per second.`,
      );
      return;
    }
    this.relay.route(this.session, this, message);
  }

  /** Tell the client to reconnect, then close after the grace period. */
  goAway(graceMs = this.relay.limits.goAwayGraceMs): void {
    if (this.#closed || this.#goingAway) return;
    this.#goingAway = true;
    this.send(goAwayEvent);
    this.#timers.push(setTimeout(() => this.close(1001, "Going away"), graceMs));
  }

  close(code = 1000, reason = ""): void {
    this.#socket?.close(code, reason);
    this.closed();
  }

  /** The socket is gone (or was replaced): forget this connection. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#openDeadline);
    this.relay.forget(this.session, this);
  }

  #touch(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.goAway(), this.relay.limits.idleTimeoutMs);
  }
}

export class SignalingRelay {
  readonly #sessions = new Map<string, ChannelSession>();
  /**
   * TEST ONLY: every relayed message is delivered this many ms late (one way), in order, so
   * the signaling latency of a real service can be reproduced on loopback.
   */
  testDelayMs = 0;
  /** Where a client cut off or refused at a bound is reported. */
  onWarning?: (line: string) => void;

  constructor(readonly limits: RelayLimits = awsRelayLimits, readonly now = () => Date.now()) {}

  /**
   * Admit a WebSocket before it is upgraded; throws a ServiceError (sent as the upgrade's HTTP
   * status) when the channel already has its maximum of viewers, or the endpoint its maximum of
   * connections.
   */
  admit(channel: RelayChannel, role: Role, clientId?: string): SignalingConnection {
    if (role === "VIEWER" && !clientId) {
      throw invalidArgument("A viewer must give X-Amz-ClientId.");
    }
    const key = keyOf(role, clientId);
    const previous = this.#sessions.get(channel.arn)?.connections.get(key);
    const viewers = this.#sessions.get(channel.arn)?.viewerCount ?? 0;
    if (!previous && role === "VIEWER" && viewers >= this.limits.maxViewers) {
      throw clientLimitExceeded(
        `The maximum number of viewers (${this.limits.maxViewers}) are already connected to the channel.`,
      );
    }
    if (!previous) this.#checkCapacity(channel.arn);
    previous?.close(
      supersededCloseCode,
      role === "MASTER"
        ? "A new master connected"
        : role === "STORAGE"
        ? "A new storage session joined"
        : "Replaced by a newer connection",
    );
    let session = this.#sessions.get(channel.arn);
    if (!session) {
      session = new ChannelSession(channel);
      this.#sessions.set(channel.arn, session);
    }
    session.channel = channel;
    const connection = new SignalingConnection(this, session, role, clientId);
    session.connections.set(key, connection);
    return connection;
  }

  /** A new connection would pass the endpoint's bound on connections, or on pending upgrades. */
  #checkCapacity(channelArn: string): void {
    const all = this.connections();
    const upgrading = all.filter((c) => !c.isOpen).length;
    const { maxConnections, maxPendingUpgrades } = this.limits;
    const full = all.length >= maxConnections
      ? `${all.length} signaling connections are open or upgrading (bound ${maxConnections})`
      : upgrading >= maxPendingUpgrades
      ? `${upgrading} WebSocket upgrades are pending (bound ${maxPendingUpgrades})`
      : undefined;
    if (!full) return;
    this.onWarning?.(`local endpoint: refused a signaling connection to ${channelArn}: ${full}`);
    throw clientLimitExceeded(`The endpoint cannot take more connections: ${full}.`);
  }

  route(session: ChannelSession, from: SignalingConnection, message: ClientMessage): void {
    let recipient: string;
    let text: string;
    if (from.role === "FORWARD") {
      // The storage session's messages carry no senderClientId (spec §4.2).
      recipient = from.clientId!;
      text = relayedEvent(message);
    } else if (from.role === "VIEWER" && session.connections.has(forwardKey(from.clientId!))) {
      // A viewer that joined the storage session talks to its media server.
      recipient = forwardKey(from.clientId!);
      text = relayedEvent(message);
    } else if (from.role !== "MASTER") {
      recipient = masterKey;
      text = relayedEvent(message, from.role === "VIEWER" ? from.clientId : undefined);
    } else if (message.recipientClientId) {
      recipient = message.recipientClientId;
      text = relayedEvent(message);
    } else {
      // Recipient-less master messages belong to the storage session; none waits for them.
      if (!session.connections.has(storageKey)) {
        from.refuse(
          message.correlationId,
          "InvalidArgumentException",
          "A message from the master needs a recipientClientId (no storage session is open).",
        );
        return;
      }
      recipient = storageKey;
      text = relayedEvent(message);
    }
    const target = session.connections.get(recipient);
    const refusal = target?.screen?.(message);
    if (refusal) {
      from.refuse(message.correlationId, "InvalidArgumentException", refusal);
      return;
    }
    if (target && this.testDelayMs > 0) {
      // Equal delays keep the order: timers of one duration fire in the order they were set.
      setTimeout(() => target.send(text), this.testDelayMs);
      return;
    }
    if (target) {
      target.send(text);
      return;
    }
    this.#hold(session, from, recipient, text, message);
  }

  /** Keep a message for an offline client for the channel's message TTL. */
  #hold(
    session: ChannelSession,
    from: SignalingConnection,
    recipient: string,
    text: string,
    message: ClientMessage,
  ): void {
    const now = this.now();
    const queue = (session.pending.get(recipient) ?? []).filter((p) => p.expiresAt > now);
    const offerFrom = message.action === "SDP_OFFER" ? from.key : undefined;
    // A newer offer from the same sender replaces the one still waiting.
    const kept = offerFrom ? queue.filter((p) => p.offerFrom !== offerFrom) : queue;
    const tooManyRecipients = !session.pending.has(recipient) &&
      session.pending.size >= this.limits.maxViewers + 2;
    if (kept.length >= this.limits.maxPendingPerClient || tooManyRecipients) {
      from.refuse(
        message.correlationId,
        "ClientLimitExceededException",
        `Client ${
          recipient === masterKey ? "MASTER" : recipient
        } is not connected and cannot hold more messages.`,
      );
      return;
    }
    kept.push({ text, expiresAt: now + session.channel.messageTtlSeconds * 1000, offerFrom });
    session.pending.set(recipient, kept);
  }

  takePending(session: ChannelSession, key: string): string[] {
    const queue = session.pending.get(key) ?? [];
    session.pending.delete(key);
    const now = this.now();
    return queue.filter((p) => p.expiresAt > now).map((p) => p.text);
  }

  forget(session: ChannelSession, connection: SignalingConnection): void {
    if (session.connections.get(connection.key) === connection) {
      session.connections.delete(connection.key);
    }
    if (session.connections.size === 0 && session.pending.size === 0) {
      this.#sessions.delete(session.channel.arn);
    }
  }

  /** Whether the channel's master is connected (its socket open). */
  hasMaster(channelArn: string): boolean {
    return this.#sessions.get(channelArn)?.connections.get(masterKey)?.isOpen ?? false;
  }

  /** Whether the viewer `clientId` has an open signaling connection to the channel. */
  hasViewer(channelArn: string, clientId: string): boolean {
    return this.#sessions.get(channelArn)?.connections.get(clientId)?.isOpen ?? false;
  }

  /** Connections of one channel, or of all channels. */
  connections(channelArn?: string): SignalingConnection[] {
    const sessions = channelArn === undefined
      ? [...this.#sessions.values()]
      : [this.#sessions.get(channelArn)].filter((s) => s !== undefined);
    return sessions.flatMap((s) => [...s.connections.values()]);
  }

  /** The channel was deleted: its clients are told and disconnected, its waiting messages dropped. */
  dropChannel(channelArn: string): void {
    for (const connection of this.connections(channelArn)) connection.goAway(0);
    this.#sessions.get(channelArn)?.pending.clear();
  }

  /** GO_AWAY to every client, then close them all after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    const all = this.connections();
    for (const connection of all) connection.goAway(graceMs);
    if (all.length > 0) await new Promise((resolve) => setTimeout(resolve, graceMs + 10));
    for (const connection of this.connections()) connection.close(1001, "Going away");
    this.#sessions.clear();
  }
}
