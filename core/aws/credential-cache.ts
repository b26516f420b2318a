/**
 * Keeps the credentials a source gives out and fetches new ones ahead of expiry (temporary
 * credentials: STS, IoT role alias). A failed refresh is reported and retried later while the
 * credentials in hand are still valid: peers that are already connected must not notice.
 */
import type { AwsCredentials } from "./credentials.ts";
import { backoffDelay } from "./retry.ts";

export interface CredentialSource {
  /** Where the credentials come from, for messages ("environment", "profile dev", "AWS IoT ..."). */
  readonly description: string;
  load(): Promise<AwsCredentials>;
}

export interface CredentialCacheOptions {
  now?: () => number;
  random?: () => number;
  /** Told about every failed refresh while older credentials are still in use. */
  onRefreshError?: (err: Error, source: string) => void;
}

/** Refresh ahead of expiry by 10-20% of the lifetime (random, as the IoT clients do), at most 5 min. */
const aheadFraction = { min: 0.1, spread: 0.1 };
const maxAheadMs = 5 * 60_000;
const refreshRetry = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

export class CredentialCache {
  readonly source: CredentialSource;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onRefreshError: CredentialCacheOptions["onRefreshError"];
  #current?: AwsCredentials;
  #refreshAt = 0;
  #inFlight?: Promise<AwsCredentials>;
  #failures = 0;
  #retryAt = 0;

  constructor(source: CredentialSource, options: CredentialCacheOptions = {}) {
    this.source = source;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#onRefreshError = options.onRefreshError;
  }

  /** Valid credentials: the cached ones, or fresh ones when they are due. */
  get(): Promise<AwsCredentials> {
    const now = this.#now();
    const current = this.#current;
    const valid = current !== undefined &&
      (current.expiration === undefined || current.expiration.getTime() > now);
    if (valid && (now < this.#refreshAt || now < this.#retryAt)) return Promise.resolve(current);
    this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined));
    if (!valid) return this.#inFlight;
    // Still valid: hand them out now; the refresh (or its failure report) happens alongside.
    this.#inFlight.catch(() => {});
    return Promise.resolve(current);
  }

  /** Drops the cached credentials, e.g. after the service said they are no longer accepted. */
  invalidate(): void {
    this.#current = undefined;
    this.#retryAt = 0;
  }

  async #refresh(): Promise<AwsCredentials> {
    try {
      const fresh = await this.source.load();
      const now = this.#now();
      if (fresh.expiration !== undefined && fresh.expiration.getTime() <= now) {
        throw new Error(
          `credentials from ${this.source.description} expired at ${fresh.expiration.toISOString()}`,
        );
      }
      this.#current = fresh;
      this.#failures = 0;
      this.#retryAt = 0;
      this.#refreshAt = fresh.expiration === undefined ? Infinity : fresh.expiration.getTime() -
        Math.min(
          maxAheadMs,
          (fresh.expiration.getTime() - now) *
            (aheadFraction.min + aheadFraction.spread * this.#random()),
        );
      return fresh;
    } catch (err) {
      this.#failures++;
      // Wait at least half the backoff ceiling so that a broken source is not hammered.
      this.#retryAt = this.#now() + refreshRetry.baseDelayMs / 2 +
        backoffDelay(this.#failures, refreshRetry, this.#random);
      const error = err instanceof Error ? err : new Error(String(err));
      this.#onRefreshError?.(error, this.source.description);
      throw error;
    }
  }
}
