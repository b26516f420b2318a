/**
 * The table of live streaming sessions, by SessionToken. A token carries its own expiry (after
 * 16 random bytes), so an expired token is told apart from a forged or forgotten one even after
 * its session has left the table; the table holds at most `maxSessions` unexpired sessions.
 */
import { clientLimitExceeded } from "../local-endpoint/errors.ts";
import { sessionNotAuthorized } from "./playback-errors.ts";
import type { StreamingSession } from "./streaming-session.ts";

/** Sessions held at once; AWS's own per-stream limits on sessions are not documented. */
export const maxSessions = 1000;

const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function expiryOf(token: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  const bytes = Uint8Array.from(
    atob(token.replace(/-/g, "+").replace(/_/g, "/")),
    (c) => c.charCodeAt(0),
  );
  return Number(new DataView(bytes.buffer).getBigUint64(16));
}

export class SessionTokens {
  readonly #sessions = new Map<string, StreamingSession>();

  constructor(readonly now: () => number = Date.now) {}

  /** A new token for `session`; ClientLimitExceededException when the table is full. */
  issue(session: StreamingSession): string {
    const now = this.now();
    for (const [token, held] of this.#sessions) {
      if (held.expiresMs <= now) this.#sessions.delete(token);
    }
    if (this.#sessions.size >= maxSessions) {
      throw clientLimitExceeded(`More than ${maxSessions} streaming sessions are open.`);
    }
    const bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes.subarray(0, 16));
    new DataView(bytes.buffer).setBigUint64(16, BigInt(session.expiresMs));
    const token = base64Url(bytes);
    this.#sessions.set(token, session);
    return token;
  }

  /** The token's session; NotAuthorizedException if it is expired or unknown. */
  session(token: string | undefined): StreamingSession {
    const expiresMs = token ? expiryOf(token) : undefined;
    if (expiresMs !== undefined && expiresMs <= this.now()) {
      throw sessionNotAuthorized("Streaming session token is expired");
    }
    const session = token ? this.#sessions.get(token) : undefined;
    if (!session) throw sessionNotAuthorized("Streaming session token is not valid");
    return session;
  }
}
