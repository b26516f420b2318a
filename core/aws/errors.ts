/**
 * KVS failures as values a caller can act on: the AWS error name (ResourceNotFoundException,
 * ClientLimitExceededException, ...), AWS's message, the HTTP status and the request id.
 */

export class KvsError extends Error {
  /** AWS's error name, e.g. "ResourceNotFoundException"; "NetworkingError" / "TimeoutError" when no answer came. */
  override readonly name: string;
  /** The KVS operation, e.g. "DescribeSignalingChannel". */
  readonly operation: string;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly requestId?: string;
  /** The server's `Date` header, used to correct clock skew. */
  readonly serverDate?: string;

  constructor(init: {
    name: string;
    message: string;
    operation: string;
    status: number;
    requestId?: string;
    serverDate?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.name;
    this.operation = init.operation;
    this.status = init.status;
    this.requestId = init.requestId;
    this.serverDate = init.serverDate;
  }
}

/**
 * The error name from an AWS JSON error response, in the order the AWS SDKs use: the
 * `x-amzn-ErrorType` header (cut at `,` and `:`, then after `#`), else body `code`, else `__type`.
 */
export function awsErrorName(headerValue: string | null, body: Record<string, unknown>): string {
  const clean = (raw: string) => {
    const cut = raw.split(",")[0].split(":")[0].trim();
    return cut.includes("#") ? cut.slice(cut.indexOf("#") + 1) : cut;
  };
  if (headerValue) return clean(headerValue);
  for (const key of ["code", "__type"]) {
    if (typeof body[key] === "string") return clean(body[key] as string);
  }
  return "UnknownError";
}

/** A KvsError from a non-2xx response. The body may be empty or not JSON (a proxy's HTML page). */
export function errorFromResponse(
  operation: string,
  status: number,
  headers: Headers,
  bodyText: string,
): KvsError {
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(bodyText);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: fall through with the status alone
  }
  const headerName = headers.get("x-amzn-errortype");
  const name = headerName || body.code || body.__type
    ? awsErrorName(headerName, body)
    : `HTTP${status}`;
  const message = typeof body.message === "string"
    ? body.message
    : typeof body.Message === "string"
    ? body.Message
    : bodyText.trim().slice(0, 200) || `HTTP status ${status}`;
  return new KvsError({
    name,
    message,
    operation,
    status,
    requestId: headers.get("x-amzn-requestid") ?? undefined,
    serverDate: headers.get("date") ?? undefined,
  });
}

const throttlingNames = new Set([
  "ClientLimitExceededException",
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

const clockSkewNames = new Set(["RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"]);

/** The signature was refused because of the signing time (the device clock is off). */
export function isClockSkewError(err: unknown): boolean {
  if (!(err instanceof KvsError)) return false;
  // KVS says so in the message of an InvalidSignatureException; other services use a name.
  return /Signature expired|Signature not yet current/i.test(err.message) ||
    clockSkewNames.has(err.name);
}

export function isThrottling(err: unknown): boolean {
  return err instanceof KvsError && (throttlingNames.has(err.name) || err.status === 429);
}

/** Worth trying again with the same request: throttling, a 5xx, or no answer at all. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof KvsError)) return false;
  return isThrottling(err) || err.status >= 500 || err.status === 0;
}
