/** How KVS calls are retried: exponential backoff with full jitter (as the AWS SDKs do). */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
};

/**
 * The wait before retry number `retry` (1 = the first retry): a uniformly random time between 0
 * and min(max, base * 2^(retry-1)). Full jitter spreads many clients retrying at once.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
