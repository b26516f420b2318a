/**
 * The one line a user sees when talking to KVS failed in a way they can act on (wrong
 * credentials, unknown channel, unreachable endpoint), or undefined for a program error.
 */
import { KvsError } from "../../core/aws/errors.ts";
import { CredentialError } from "./credential-error.ts";
import { SignalingConnectError } from "./signaling-client.ts";

const hints: Record<string, string> = {
  InvalidSignatureException: "check the secret access key and the device clock",
  UnrecognizedClientException: "check the access key id (and session token)",
  ExpiredTokenException: "the temporary credentials have expired",
  AccessDeniedException: "the credentials are not allowed to do this",
  NotAuthorizedException: "the credentials are not allowed to do this",
};

export function kvsFailureMessage(err: unknown): string | undefined {
  if (err instanceof KvsError) {
    const hint = hints[err.name];
    const text = `${err.operation} failed: ${err.name}: ${err.message}${hint ? ` (${hint})` : ""}`;
    return text.replace(/\s*\n\s*/g, " ");
  }
  if (err instanceof CredentialError || err instanceof SignalingConnectError) {
    return err.message.replace(/\s*\n\s*/g, " ");
  }
  return undefined;
}
