/**
 * The archived-media errors a playback request can meet besides the shared ones of
 * core/local-endpoint/errors.ts, with the names, statuses and `Message` member of AWS's model.
 */
import { ServiceError } from "../local-endpoint/errors.ts";

export const unsupportedStreamMediaType = (message: string) =>
  new ServiceError("UnsupportedStreamMediaTypeException", 400, message);
export const missingCodecPrivateData = (message: string) =>
  new ServiceError("MissingCodecPrivateDataException", 400, message);
export const invalidCodecPrivateData = (message: string) =>
  new ServiceError("InvalidCodecPrivateDataException", 400, message);

/**
 * What the HLS and DASH URLs answer for a token that is expired or unknown. The model gives
 * NotAuthorizedException 401; players of AWS's sessions report 403 with "Streaming session token
 * is expired", which is what this endpoint answers (the body's exact shape is a guess).
 */
export const sessionNotAuthorized = (message: string) =>
  new ServiceError("NotAuthorizedException", 403, message);
