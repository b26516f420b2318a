/**
 * The KVS signaling WebSocket of one master or viewer. It sends and receives offers, answers and
 * ICE candidates as typed events, and keeps itself connected: a dropped socket is reopened at
 * once and then with backoff, each time with a freshly presigned URL (fresh credentials); GO_AWAY
 * reopens at once with fresh endpoints; the connection is renewed before the service's idle and
 * lifetime limits close it. Peers that are already connected do not notice: their media does not
 * go through this socket, and messages sent while it is down are queued and sent on reconnect.
 */
import { EventEmitter } from "node:events";
import {
  decodeSignalingFrame,
  encodeSignalingMessage,
  type IceCandidate,
  type OutgoingMessage,
  type SessionDescription,
  type StatusResponse,
  supersededCloseCode,
} from "../../core/aws/signaling-messages.ts";
import { backoffDelay } from "../../core/aws/retry.ts";
import { type Log, silentLog } from "../../core/log.ts";
import { sleep } from "./sleep.ts";

export interface SignalingEvents {
  sdpOffer: [description: SessionDescription, senderClientId: string | undefined];
  sdpAnswer: [description: SessionDescription, senderClientId: string | undefined];
  iceCandidate: [candidate: IceCandidate, senderClientId: string | undefined];
  /** The service's answer to a message sent with a correlation id (errors only). */
  statusResponse: [status: StatusResponse, senderClientId: string | undefined];
  /** The first connection is open. */
  open: [];
  /** The socket dropped; a reconnect is under way. */
  disconnected: [reason: string];
  /** A new socket replaced a dropped (or retired) one. */
  reconnected: [];
  /** The service announced it will close the connection; a reconnect is under way. */
  goAway: [];
  /** The service's TURN servers are going away: fetch the ICE server config again. */
  reconnectIceServer: [];
  /**
   * A newer connection took precedence over this one (another master on the channel, or a viewer
   * with the same client id): the client has closed for good rather than take the channel back.
   */
  superseded: [reason: string];
  /** Closed for good by close() (after superseded too). */
  close: [];
  /** A problem worth reporting that did not stop the client (a failed reconnect attempt). */
  error: [error: Error];
}

export interface SignalingClientOptions {
  /** "master on channel kvsrtc": used in messages. */
  description: string;
  /**
   * A freshly presigned URL (fresh credentials, current time). `refreshEndpoints` asks for the
   * signaling endpoint to be looked up again (after GO_AWAY or a refused handshake).
   */
  signedUrl(refreshEndpoints: boolean): Promise<string>;
  log?: Log;
  reconnectDelay?: { baseDelayMs: number; maxDelayMs: number };
  /** How long a handshake may take. */
  connectTimeoutMs?: number;
  /** Renew the connection this long after it opened (KVS closes it after 1 hour). */
  renewAfterMs?: number;
  /** Renew the connection after this long without messages (KVS closes it after 10 min). */
  renewWhenIdleMs?: number;
  /** WebSocket ping interval where the runtime's WebSocket can ping (Bun); 0 = never. */
  pingIntervalMs?: number;
}

/** A refused handshake, with the HTTP status the runtime reported. */
export class SignalingConnectError extends Error {
  override name = "SignalingConnectError";
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * Messages kept while the socket is down (the oldest go first): one connection's offer or answer
 * and its candidates are a dozen, ten viewers' a few hundred; at a few KB each (an SDP) this is
 * under a megabyte, whatever keeps sending while the socket cannot.
 */
const maxQueued = 200;

interface PingingWebSocket extends WebSocket {
  ping?: () => void;
}

export class SignalingClient extends EventEmitter<SignalingEvents> {
  readonly #options: SignalingClientOptions;
  readonly #log: Log;
  readonly #stop = new AbortController();
  #socket?: PingingWebSocket;
  #reconnecting = false;
  #renewing = false;
  #queue: string[] = [];
  #timers: ReturnType<typeof setTimeout>[] = [];
  #idleTimer?: ReturnType<typeof setTimeout>;
  #connections = 0;

  constructor(options: SignalingClientOptions) {
    super();
    this.#options = options;
    this.#log = options.log ?? silentLog;
  }

  /** True while a socket is open. */
  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** How many sockets have been opened (1 + reconnects and renewals). */
  get connectionCount(): number {
    return this.#connections;
  }

  /** Opens the first connection; rejects with the reason when the service refuses it. */
  async connect(): Promise<void> {
    const socket = await this.#open(await this.#options.signedUrl(false));
    this.#adopt(socket);
    this.emit("open");
  }

  sendSdpOffer(
    description: SessionDescription,
    recipientClientId?: string,
    correlationId?: string,
  ) {
    this.#send({ action: "SDP_OFFER", payload: description, recipientClientId, correlationId });
  }

  sendSdpAnswer(
    description: SessionDescription,
    recipientClientId?: string,
    correlationId?: string,
  ) {
    this.#send({ action: "SDP_ANSWER", payload: description, recipientClientId, correlationId });
  }

  sendIceCandidate(candidate: IceCandidate, recipientClientId?: string, correlationId?: string) {
    this.#send({ action: "ICE_CANDIDATE", payload: candidate, recipientClientId, correlationId });
  }

  /** Closes for good: no more reconnects. */
  close(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close(1000, "closed by client");
    this.#queue = [];
    this.emit("close");
  }

  #send(message: OutgoingMessage): void {
    const frame = encodeSignalingMessage(message);
    if (this.#stop.signal.aborted) return;
    if (this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(frame);
      this.#touch();
      return;
    }
    if (this.#queue.length >= maxQueued) this.#queue.shift();
    this.#queue.push(frame);
  }

  #open(url: string): Promise<PingingWebSocket> {
    const timeoutMs = this.#options.connectTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket: PingingWebSocket = new WebSocket(url);
      let reason = "";
      const timer = setTimeout(() => {
        reason = `no WebSocket handshake within ${timeoutMs} ms`;
        socket.close();
      }, timeoutMs);
      socket.onerror = (e) => {
        // The runtimes report the refused status in the message; the URL holds credentials.
        const text = String((e as ErrorEvent).message ?? "");
        const status = text.match(/status code:? (\d{3})/i)?.[1];
        reason ||= status ? `HTTP ${status}` : text.replace(/wss?:\/\/\S+/g, "").trim();
      };
      socket.onclose = () => {
        clearTimeout(timer);
        const status = Number(reason.match(/^HTTP (\d{3})$/)?.[1]) || undefined;
        reject(
          new SignalingConnectError(
            `the signaling endpoint refused the WebSocket for the ${this.#options.description}` +
              (reason ? ` (${reason})` : ""),
            status,
          ),
        );
      };
      socket.onopen = () => {
        clearTimeout(timer);
        socket.onerror = null;
        socket.onclose = null;
        resolve(socket);
      };
    });
  }

  /** Makes `socket` the current one: handlers, queued messages, keepalive and renewal. */
  #adopt(socket: PingingWebSocket): void {
    if (this.#stop.signal.aborted) {
      socket.close(1000);
      return;
    }
    const previous = this.#socket;
    this.#socket = socket;
    this.#connections++;
    socket.onmessage = (e) => {
      this.#touch();
      if (typeof e.data !== "string") {
        this.#log.warn("signaling: skipped a binary frame");
        return;
      }
      this.#onFrame(e.data);
    };
    socket.onclose = (e) => {
      if (this.#socket !== socket) return; // retired on purpose
      this.#socket = undefined;
      if (this.#stop.signal.aborted || this.#renewing) return;
      const why = `code ${e.code}${e.reason ? ` ${e.reason}` : ""}`;
      if (e.code === supersededCloseCode) {
        this.#log.debug(
          `signaling: the ${this.#options.description} was replaced by a newer connection ` +
            `(${why}); not reconnecting`,
        );
        this.emit("superseded", e.reason || why);
        this.close();
        return;
      }
      this.#log.info(
        `signaling: connection of the ${this.#options.description} dropped (${why}); reconnecting`,
      );
      this.emit("disconnected", why);
      this.#reconnect(false);
    };
    socket.onerror = () => {};
    previous?.close(1000, "replaced");
    this.#clearTimers();
    const queued = this.#queue;
    this.#queue = [];
    for (const frame of queued) socket.send(frame);
    this.#touch();
    const renewAfter = this.#options.renewAfterMs ?? 55 * 60_000;
    this.#timers.push(setTimeout(() => this.#renew("its lifetime limit is near"), renewAfter));
    const pingEvery = this.#options.pingIntervalMs ?? 10_000;
    if (pingEvery > 0 && typeof socket.ping === "function") {
      const ping = setInterval(
        () => socket.readyState === WebSocket.OPEN && socket.ping!(),
        pingEvery,
      );
      this.#timers.push(ping as unknown as ReturnType<typeof setTimeout>);
    }
  }

  /** Any message in or out: restart the idle countdown. */
  #touch(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    if (this.#stop.signal.aborted) return;
    this.#idleTimer = setTimeout(
      () => this.#renew("it has been idle"),
      this.#options.renewWhenIdleMs ?? 9 * 60_000,
    );
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t), clearInterval(t);
    this.#timers = [];
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Opens a new socket before retiring the current one, so nothing is missed in between. */
  async #renew(why: string): Promise<void> {
    if (this.#renewing || this.#reconnecting || this.#stop.signal.aborted) return;
    this.#renewing = true;
    this.#log.debug(
      `signaling: renewing the connection of the ${this.#options.description}: ${why}`,
    );
    try {
      const socket = await this.#open(await this.#options.signedUrl(false));
      this.#renewing = false;
      this.#adopt(socket);
    } catch (err) {
      this.#renewing = false;
      this.#log.warn(`signaling: renewing failed: ${(err as Error).message}`);
      if (!this.#socket) this.#reconnect(false);
    }
  }

  #reconnect(refreshEndpoints: boolean): void {
    if (this.#reconnecting || this.#stop.signal.aborted) return;
    this.#reconnecting = true;
    const policy = this.#options.reconnectDelay ?? { baseDelayMs: 250, maxDelayMs: 10_000 };
    const started = performance.now();
    (async () => {
      let refresh = refreshEndpoints;
      for (let attempt = 0; !this.#stop.signal.aborted; attempt++) {
        // The first attempt is immediate: a dropped socket is usually fine to reopen at once.
        if (attempt > 0) await sleep(backoffDelay(attempt, policy), this.#stop.signal);
        if (this.#stop.signal.aborted) break;
        try {
          const socket = await this.#open(await this.#options.signedUrl(refresh));
          this.#reconnecting = false;
          this.#adopt(socket);
          this.#log.info(
            `signaling: ${this.#options.description} reconnected in ` +
              `${Math.round(performance.now() - started)} ms`,
          );
          this.emit("reconnected");
          return;
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          this.#log.warn(`signaling: reconnect attempt ${attempt + 1} failed: ${error.message}`);
          if (this.listenerCount("error") > 0) this.emit("error", error);
          // A refused handshake may mean the endpoint moved: look it up again next time.
          refresh ||= error instanceof SignalingConnectError && error.status !== undefined;
        }
      }
      this.#reconnecting = false;
    })();
  }

  #onFrame(frame: string): void {
    const decoded = decodeSignalingFrame(frame);
    if ("skipped" in decoded) {
      this.#log.warn(`signaling: skipped a message: ${decoded.skipped}`);
      return;
    }
    const event = decoded.event;
    switch (event.type) {
      case "SDP_OFFER":
        this.emit("sdpOffer", event.description, event.senderClientId);
        break;
      case "SDP_ANSWER":
        this.emit("sdpAnswer", event.description, event.senderClientId);
        break;
      case "ICE_CANDIDATE":
        this.emit("iceCandidate", event.candidate, event.senderClientId);
        break;
      case "STATUS_RESPONSE":
        if (event.status.success === false) {
          this.#log.warn(
            `signaling: the service refused message ${event.status.correlationId ?? "?"}: ` +
              `${event.status.errorType ?? "error"} ${event.status.statusCode ?? ""} ` +
              `${event.status.description ?? ""}`.trim(),
          );
        }
        this.emit("statusResponse", event.status, event.senderClientId);
        break;
      case "GO_AWAY": {
        this.#log.info(`signaling: GO_AWAY for the ${this.#options.description}; reconnecting now`);
        this.emit("goAway");
        const socket = this.#socket;
        this.#socket = undefined;
        socket?.close(1000, "GO_AWAY");
        this.#clearTimers();
        this.#reconnect(true);
        break;
      }
      case "RECONNECT_ICE_SERVER":
        this.#log.info(
          "signaling: RECONNECT_ICE_SERVER: the ICE server config will be fetched again",
        );
        this.emit("reconnectIceServer");
        break;
    }
  }
}
