/**
 * One signed KVS JSON call with AWS's client behaviour: a timeout per attempt, retries with
 * backoff and full jitter on throttling, 5xx and network failures, re-signing with a corrected
 * time after a clock-skew refusal, and fresh credentials after an expired-token refusal.
 */
import { ClockSkew } from "../../core/aws/clock-skew.ts";
import type { CredentialCache } from "../../core/aws/credential-cache.ts";
import {
  errorFromResponse,
  isClockSkewError,
  isRetryable,
  KvsError,
} from "../../core/aws/errors.ts";
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from "../../core/aws/retry.ts";
import { signJsonPost } from "../../core/aws/sigv4.ts";
import { type Log, silentLog } from "../../core/log.ts";
import { sleep } from "./sleep.ts";

export interface KvsHttpOptions {
  region: string;
  credentials: CredentialCache;
  /** Shared by every call to one service, and by the signaling URL presigner. */
  clock: ClockSkew;
  retry?: RetryPolicy;
  /** Per attempt; the AWS C SDK gives API calls 2 s to connect + 5 s to complete. */
  timeoutMs?: number;
  log?: Log;
}

const defaultTimeoutMs = 7_000;
const expiredCredentialNames = new Set([
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
]);

/** POSTs `body` as JSON to `base` + `path` and returns the parsed JSON answer ({} when empty). */
export async function callKvs(
  options: KvsHttpOptions,
  operation: string,
  base: string,
  path: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const policy = options.retry ?? defaultRetryPolicy;
  const log = options.log ?? silentLog;
  const url = new URL(base.replace(/\/+$/, "") + path);
  const text = JSON.stringify(body);
  let skewCorrected = false;
  let credentialsRenewed = false;
  for (let attempt = 1;; attempt++) {
    try {
      return await attemptCall(options, operation, url, text);
    } catch (err) {
      if (!(err instanceof KvsError)) throw err;
      if (!skewCorrected && isClockSkewError(err) && options.clock.learn(err.serverDate)) {
        skewCorrected = true;
        log.warn(
          `the device clock is off by ${Math.round(options.clock.offsetMs / 1000)} s ` +
            `(${operation} was refused: ${err.message}); signing with the server's time`,
        );
        attempt--;
        continue;
      }
      if (
        !credentialsRenewed && expiredCredentialNames.has(err.name) &&
        (await options.credentials.get()).sessionToken !== undefined
      ) {
        credentialsRenewed = true;
        log.info(`${operation}: ${err.message}; fetching new credentials`);
        options.credentials.invalidate();
        attempt--;
        continue;
      }
      if (!isRetryable(err) || attempt >= policy.maxAttempts) throw err;
      const delay = backoffDelay(attempt, policy);
      log.debug(
        `${operation} failed (${err.name}: ${err.message}); retry ${attempt} in ${delay} ms`,
      );
      await sleep(delay);
    }
  }
}

async function attemptCall(
  options: KvsHttpOptions,
  operation: string,
  url: URL,
  body: string,
): Promise<Record<string, unknown>> {
  const credentials = await options.credentials.get();
  const headers = await signJsonPost({
    url,
    body,
    credentials,
    region: options.region,
    date: options.clock.now(),
  });
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs),
    });
  } catch (err) {
    const timedOut = (err as Error)?.name === "TimeoutError";
    throw new KvsError({
      name: timedOut ? "TimeoutError" : "NetworkingError",
      message: timedOut
        ? `no answer from ${url.origin} within ${options.timeoutMs ?? defaultTimeoutMs} ms`
        : `cannot reach ${url.origin}: ${(err as Error)?.message ?? err}`,
      operation,
      status: 0,
      cause: err,
    });
  }
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(operation, response.status, response.headers, text);
  if (text.trim() === "") return {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  throw new KvsError({
    name: "SerializationError",
    message: `${url.origin} answered ${operation} with something that is not a JSON object`,
    operation,
    status: response.status,
  });
}
