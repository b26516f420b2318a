/**
 * Errors as the KVS services write them: an HTTP status, the error name (sent in the
 * `x-amzn-ErrorType` header) and a JSON body whose message key is `Message` or `message`
 * depending on the service model (spec §1.3). The AWS SDKs turn the name into a typed error.
 * The endpoint's side of the wire; the client reads these back as `KvsError` (core/aws/errors.ts).
 */
export type MessageKey = "Message" | "message";

export class ServiceError extends Error {
  constructor(
    readonly errorType: string,
    readonly status: number,
    message: string,
    readonly messageKey: MessageKey = "Message",
  ) {
    super(message);
    this.name = errorType;
  }

  /** The JSON body of the error response. */
  body(): Record<string, string> {
    return { [this.messageKey]: this.message };
  }
}

// Modelled errors of the control plane and the signaling service (member `Message`).
export const resourceNotFound = (message: string) =>
  new ServiceError("ResourceNotFoundException", 404, message);
export const resourceInUse = (message: string) =>
  new ServiceError("ResourceInUseException", 400, message);
export const invalidArgument = (message: string) =>
  new ServiceError("InvalidArgumentException", 400, message);
export const clientLimitExceeded = (message: string) =>
  new ServiceError("ClientLimitExceededException", 400, message);
export const connectionLimitExceeded = (message: string) =>
  new ServiceError("ConnectionLimitExceededException", 400, message);
export const versionMismatch = (message: string) =>
  new ServiceError("VersionMismatchException", 400, message);
export const noDataRetention = (message: string) =>
  new ServiceError("NoDataRetentionException", 400, message);
export const unknownOperation = (path: string) =>
  new ServiceError("UnknownOperationException", 404, `No operation is served at ${path}.`);
export const serialization = (message: string) =>
  new ServiceError("SerializationException", 400, message);

/** The WebRTC storage service's model spells its message member in lower case. */
export const asStorageError = (error: ServiceError) =>
  new ServiceError(error.errorType, error.status, error.message, "message");

// Authentication errors come from AWS's front door, with a lower-case `message`.
export const missingAuthenticationToken = () =>
  new ServiceError(
    "MissingAuthenticationTokenException",
    403,
    "Missing Authentication Token",
    "message",
  );
export const incompleteSignature = (message: string) =>
  new ServiceError("IncompleteSignatureException", 400, message, "message");
export const unrecognizedClient = () =>
  new ServiceError(
    "UnrecognizedClientException",
    403,
    "The security token included in the request is invalid.",
    "message",
  );
export const invalidSignature = (message: string) =>
  new ServiceError("InvalidSignatureException", 403, message, "message");

export const signatureMismatchText =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. " +
  "Consult the service documentation for details.";
