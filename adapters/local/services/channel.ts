/** The signaling channel a request body names by its ARN, for the services that take one. */
import { type JsonObject, requiredString } from "../../../core/local-endpoint/fields.ts";
import { arnPattern } from "../../../core/local-endpoint/names.ts";
import type { Registry } from "../../../core/local-endpoint/registry.ts";

export function channelNamedIn(registry: Registry, body: JsonObject, key: string) {
  return registry.channelByArn(requiredString(body, key, { pattern: arnPattern, max: 1024 }));
}
