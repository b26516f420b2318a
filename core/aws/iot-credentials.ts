/**
 * The AWS IoT credentials provider's answer (spec §7): GET /role-aliases/<alias>/credentials
 * over mutual TLS returns {"credentials":{accessKeyId, secretAccessKey, sessionToken, expiration}}.
 */
import type { AwsCredentials } from "./credentials.ts";

export const thingNameHeader = "x-amzn-iot-thingname";

export function iotCredentialsPath(roleAlias: string): string {
  return `/role-aliases/${encodeURIComponent(roleAlias)}/credentials`;
}

/** Parses a 200 body; throws an error naming what is missing. */
export function parseIotCredentials(bodyText: string): AwsCredentials {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    throw new Error("the IoT credentials endpoint answered with something that is not JSON");
  }
  const c = (body as { credentials?: Record<string, unknown> } | null)?.credentials;
  if (typeof c !== "object" || c === null) {
    throw new Error('the IoT credentials endpoint answered without "credentials"');
  }
  for (const key of ["accessKeyId", "secretAccessKey", "sessionToken", "expiration"]) {
    if (typeof c[key] !== "string" || c[key] === "") {
      throw new Error(`the IoT credentials endpoint answered without credentials.${key}`);
    }
  }
  const expiration = new Date(c.expiration as string);
  if (Number.isNaN(expiration.getTime())) {
    throw new Error(`the IoT credentials expiration "${c.expiration}" is not a date`);
  }
  return {
    accessKeyId: c.accessKeyId as string,
    secretAccessKey: c.secretAccessKey as string,
    sessionToken: c.sessionToken as string,
    expiration,
  };
}

/** The body the credentials endpoint sends: `credentials` first, expiration without fractions. */
export function formatIotCredentials(credentials: Required<AwsCredentials>): string {
  return JSON.stringify({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration.toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
  });
}
