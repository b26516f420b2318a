/**
 * The one place ICE candidates wait until the side that takes them is ready: a remote peer's
 * candidates that came before its offer (master) or before the answer was applied (viewer), and
 * a viewer's own candidates until it has the answer. Held per peer, each list and the number of
 * peers bounded, forgotten after a hold time; a peer that has gone is remembered as long, so
 * its late candidates are dropped rather than kept for a peer to come.
 */

export interface CandidateHoldOptions {
  /** Peers held at once; candidates of a further peer are dropped. */
  maxPeers: number;
  /** Candidates held per peer (a browser gathers a handful per interface). */
  maxPerPeer?: number;
  /** How long candidates (and the memory of a departed peer) are kept. */
  holdMs?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export const defaultCandidatesPerPeer = 64;
export const defaultCandidateHoldMs = 30_000;

export class CandidateHold<C> {
  readonly #held = new Map<string, { candidates: C[]; since: number }>();
  readonly #departed = new Map<string, number>();
  readonly #maxPeers: number;
  readonly #maxPerPeer: number;
  readonly #holdMs: number;
  readonly #now: () => number;

  constructor(options: CandidateHoldOptions) {
    this.#maxPeers = options.maxPeers;
    this.#maxPerPeer = options.maxPerPeer ?? defaultCandidatesPerPeer;
    this.#holdMs = options.holdMs ?? defaultCandidateHoldMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Peers with candidates held (for leak checks). */
  get size(): number {
    return this.#held.size;
  }

  /** Holds a candidate for `peer`; false when it was dropped (a departed peer, or a bound). */
  hold(peer: string, candidate: C): boolean {
    const now = this.#expire();
    if (this.#departed.has(peer)) return false;
    let entry = this.#held.get(peer);
    if (!entry) {
      if (this.#held.size >= this.#maxPeers) return false;
      entry = { candidates: [], since: now };
      this.#held.set(peer, entry);
    }
    if (entry.candidates.length >= this.#maxPerPeer) return false;
    entry.candidates.push(candidate);
    return true;
  }

  /** The peer is ready: hands over what was held for it (in arrival order) and forgets it. */
  release(peer: string): C[] {
    this.#departed.delete(peer);
    const entry = this.#held.get(peer);
    this.#held.delete(peer);
    return entry?.candidates ?? [];
  }

  /** The peer is back (a new offer): its candidates are held again, not dropped. */
  returned(peer: string): void {
    this.#departed.delete(peer);
  }

  /** The peer has gone: drops what was held, and its late candidates for the hold time. */
  departed(peer: string): void {
    this.#held.delete(peer);
    this.#departed.set(peer, this.#expire());
  }

  clear(): void {
    this.#held.clear();
    this.#departed.clear();
  }

  /** Forgets what is older than the hold time; returns now. */
  #expire(): number {
    const now = this.#now();
    for (const [peer, entry] of this.#held) {
      if (now - entry.since > this.#holdMs) this.#held.delete(peer);
    }
    for (const [peer, since] of this.#departed) {
      if (now - since > this.#holdMs) this.#departed.delete(peer);
    }
    return now;
  }
}
