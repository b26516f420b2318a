/** Names, ARNs and versions as KVS writes them (spec §2). */
import { invalidArgument } from "./errors.ts";

export const resourceNamePattern = /^[a-zA-Z0-9_.-]+$/;
export const clientIdPattern = /^[a-zA-Z0-9_.-]+$/;
export const versionPattern = /^[a-zA-Z0-9]+$/;
export const arnPattern =
  /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;

/** The account id of every local ARN: AWS's documented example account. */
export const localAccountId = "111122223333";

export type ResourceKind = "channel" | "stream";

/** `arn:aws:kinesisvideo:<region>:<account>:<kind>/<name>/<13-digit creation epoch ms>`. */
export function resourceArn(
  region: string,
  kind: ResourceKind,
  name: string,
  creationMs: number,
): string {
  return `arn:aws:kinesisvideo:${region}:${localAccountId}:${kind}/${name}/${
    String(creationMs).padStart(13, "0")
  }`;
}

export function parseArn(arn: string): { region: string; kind: string; name: string } | undefined {
  if (!arnPattern.test(arn)) return undefined;
  const [, , , region, , resource] = arn.split(":");
  const [kind, name] = resource.split("/");
  return { region, kind, name };
}

/** A 20-character version like the service's (e.g. `3Ikjs9sOSk6Q4Alisl0d`). */
export function newVersion(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** Signaling client ids: 1-256 of [a-zA-Z0-9_.-], and never starting with `AWS_`. */
export function checkClientId(clientId: string): void {
  if (clientId.length < 1 || clientId.length > 256 || !clientIdPattern.test(clientId)) {
    throw invalidArgument(
      `The client id '${clientId}' must be 1-256 characters of a-z, A-Z, 0-9, '_', '.', '-'.`,
    );
  }
  if (/^aws_/i.test(clientId)) {
    throw invalidArgument(`The client id '${clientId}' must not start with 'AWS_'.`);
  }
}
