/** Credentials cannot be had: the message names the flag, variable, file or endpoint at fault. */
export class CredentialError extends Error {
  override name = "CredentialError";
}
