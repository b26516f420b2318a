/**
 * The master's side of a storage session (spec §4.2, §4.3): JoinStorageSession once signaling is
 * open, then the storage peer's offer is answered by the master like a viewer's. With no offer in
 * time it calls again, after 6 s plus a jitter growing with each try (the JS sample's rule);
 * when the session ends it joins again, viewers untouched. It notices the end at once where a
 * signal exists: the storage peer's RTCP BYE or a failed connection (PeerSession), and the
 * master's signaling dropping or told to go away — the session lives on that connection (§4.3),
 * so the next join waits for the reconnect. Where none comes, a storage peer that sends no RTCP
 * for a few seconds has ended the session: a media-only connection closed by the other side is
 * not always reported by libdatachannel (no SCTP to shut down), while a live receiver reports
 * every second. It gives up, with a message saying why, when the first join is
 * refused (a channel not mapped, a stream missing) or after 5 failed storage connections within
 * 10 minutes, as the JS sample does.
 */
import { EventEmitter } from "node:events";
import { KvsError } from "../../core/aws/errors.ts";
import type { Log } from "../../core/log.ts";
import type { SignalingSession, StatusResponse } from "../aws/mod.ts";
import { type Master, replacedByNewOffer, storageCorrelationPrefix } from "./master.ts";

export interface StorageJoinOptions {
  session: SignalingSession;
  master: Master;
  log: Log;
  /** How long an offer may take after a join before the next join (JS sample: 6 s). */
  offerWaitMs?: number;
  /** Failed storage connections within `failureWindowMs` that end the joining (JS sample: 5). */
  maxFailures?: number;
  failureWindowMs?: number;
  random?: () => number;
}

export interface StorageJoinEvents {
  /** The storage peer is connected: the session is being recorded. */
  recording: [];
  /** No more joins; `reason` says why, for the user. */
  gaveUp: [reason: string];
}

/** The jitter after the n-th join without an offer: min(random * 200^(n-1), 10 s) (JS sample). */
export function offerRetryJitterMs(attempt: number, random: () => number): number {
  return Math.min(random() * 200 ** (attempt - 1), 10_000);
}

/** How long a connected storage peer may send no RTCP before its session counts as ended. */
export const storagePeerSilenceMs = 6_000;

/** A refusal that a new join will not change: the user has to act. */
function isFinal(error: unknown): boolean {
  return error instanceof KvsError &&
    ["InvalidArgumentException", "ResourceNotFoundException", "AccessDeniedException"]
      .includes(error.name);
}

export class StorageJoin extends EventEmitter<StorageJoinEvents> {
  readonly #o:
    & Required<Omit<StorageJoinOptions, "session" | "master" | "log">>
    & StorageJoinOptions;
  #attempt = 0;
  #joinedOnce = false;
  #recording = false;
  #failures: number[] = [];
  #timer?: ReturnType<typeof setTimeout>;
  #watch?: ReturnType<typeof setInterval>;
  #stopped = false;
  /** Signaling dropped and is reconnecting: no join can be answered until it is back. */
  #signalingDown = false;
  readonly #detach: (() => void)[] = [];

  constructor(options: StorageJoinOptions) {
    super();
    this.#o = {
      offerWaitMs: 6_000,
      maxFailures: 5,
      failureWindowMs: 600_000,
      random: Math.random,
      ...options,
    };
    const { master, session, log } = options;
    master.expectStoragePeer();
    const onJoined = () => clearTimeout(this.#timer);
    const onConnected = () => {
      this.#attempt = 0;
      this.#joinedOnce = true;
      this.#recording = true;
      this.#watchStoragePeer();
      this.emit("recording");
    };
    const onLeft = (reason: string) => {
      const wasRecording = this.#recording;
      this.#recording = false;
      clearInterval(this.#watch);
      if (this.#stopped) return;
      const when = this.#signalingDown ? "once signaling is back" : "now";
      // A new offer from the media server is a new session already being answered: joining
      // again would only bring another offer, which would end that one in turn.
      if (reason === replacedByNewOffer) {
        log.info("the storage session offered again: answering the new offer");
        return;
      }
      log.warn(`the storage session ended: ${reason}; joining again ${when}`);
      if (!wasRecording) this.#failed(reason);
      this.#join();
    };
    const onStatus = (status: StatusResponse) => {
      if (!status.correlationId?.startsWith(storageCorrelationPrefix)) return;
      const why = `${status.errorType ?? "an error"}: ${status.description ?? "no description"}`;
      log.error(`the storage session refused the master's answer (${why})`);
      master.storage?.close(`its answer was refused (${why})`);
    };
    const onSignalingLost = () => {
      this.#signalingDown = true;
      master.storage?.close("the master's signaling connection dropped, and the session with it");
    };
    const onReconnected = () => {
      this.#signalingDown = false;
      if (!master.storage) this.#join();
    };
    master.on("storageJoined", onJoined);
    master.on("storageConnected", onConnected);
    master.on("storageLeft", onLeft);
    session.signaling.on("statusResponse", onStatus);
    session.signaling.on("disconnected", onSignalingLost);
    session.signaling.on("goAway", onSignalingLost);
    session.signaling.on("reconnected", onReconnected);
    this.#detach.push(
      () => master.off("storageJoined", onJoined),
      () => master.off("storageConnected", onConnected),
      () => master.off("storageLeft", onLeft),
      () => session.signaling.off("statusResponse", onStatus),
      () => session.signaling.off("disconnected", onSignalingLost),
      () => session.signaling.off("goAway", onSignalingLost),
      () => session.signaling.off("reconnected", onReconnected),
    );
  }

  /** The first join; it resolves once it is accepted, rejects when it is refused for good. */
  async start(): Promise<void> {
    await this.#call();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#watch);
    for (const detach of this.#detach.splice(0)) detach();
  }

  /** Joins now (the offer timer then paces the next tries), unless signaling is down. */
  #join() {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#signalingDown) return;
    this.#call().catch(() => {});
  }

  async #call(): Promise<void> {
    const { session, log, offerWaitMs, random } = this.#o;
    this.#attempt++;
    try {
      await session.joinStorageSession();
      // The offer can come before the call's response: the storage peer's connection timer was
      // forked from the master's while the call was open. Same clock, same end.
      this.#o.master.storage?.timer.end("joinStorageSession");
    } catch (error) {
      if (!this.#joinedOnce && isFinal(error)) {
        this.#giveUp(`JoinStorageSession was refused: ${(error as Error).message}`);
        throw error;
      }
      log.warn(`JoinStorageSession failed (will retry): ${(error as Error).message}`);
    }
    if (this.#stopped) return;
    const waitMs = offerWaitMs + offerRetryJitterMs(this.#attempt, random);
    this.#timer = setTimeout(() => {
      if (this.#o.master.storage || this.#stopped) return;
      log.warn(`no offer from the storage session within ${Math.round(waitMs)} ms; joining again`);
      this.#join();
    }, waitMs);
  }

  /** Ends the storage peer's session once it has sent no RTCP for storagePeerSilenceMs. */
  #watchStoragePeer() {
    const storage = this.#o.master.storage;
    if (!storage) return;
    clearInterval(this.#watch);
    this.#watch = setInterval(() => {
      if (performance.now() - storage.lastRtcpAt > storagePeerSilenceMs) {
        storage.close(`the storage peer sent no RTCP for ${storagePeerSilenceMs / 1000} s`);
      }
    }, 1000);
  }

  #failed(why: string) {
    const now = Date.now();
    this.#failures = [...this.#failures.filter((t) => now - t < this.#o.failureWindowMs), now];
    if (this.#failures.length >= this.#o.maxFailures) {
      this.#giveUp(
        `${this.#failures.length} storage connections failed within ` +
          `${this.#o.failureWindowMs / 60_000} minutes (the last: ${why})`,
      );
    }
  }

  #giveUp(reason: string) {
    if (this.#stopped) return;
    this.stop();
    this.emit("gaveUp", reason);
  }
}
