/**
 * Which PutMedia calls a stream takes (spec §6.2, AWS's PutMedia limits): 5 calls a second
 * per stream, and one connection at a time. AWS documents that of concurrent PutMedia
 * connections it throttles the latest with ConnectionLimitExceededException; the open one
 * keeps going until it ends (a producer that lost its connection retries until the service
 * has seen the old one go, at worst at the 30 s no-data timeout).
 */
import { clientLimitExceeded, connectionLimitExceeded } from "./errors.ts";
import { TokenBucket } from "./token-bucket.ts";

export const putMediaCallsPerSecond = 5;

export class PutMediaAdmission {
  readonly #open = new Set<string>();
  readonly #calls = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Admits a PutMedia to the stream or throws AWS's error; returns the release. */
  admit(streamArn: string): () => void {
    let calls = this.#calls.get(streamArn);
    if (!calls) {
      calls = new TokenBucket(putMediaCallsPerSecond, putMediaCallsPerSecond, this.now);
      this.#calls.set(streamArn, calls);
    }
    if (!calls.take()) {
      throw clientLimitExceeded(
        `More than ${putMediaCallsPerSecond} PutMedia calls a second to stream ${streamArn}.`,
      );
    }
    if (this.#open.has(streamArn)) {
      throw connectionLimitExceeded(
        `A PutMedia connection to stream ${streamArn} is already open.`,
      );
    }
    this.#open.add(streamArn);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open.delete(streamArn);
    };
  }
}
