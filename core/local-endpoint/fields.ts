/**
 * Reading request fields the way the AWS front end validates them: a missing, mistyped or
 * out-of-range member is an InvalidArgumentException whose text names the member and the rule.
 */
import { invalidArgument, serialization } from "./errors.ts";

export type JsonObject = Record<string, unknown>;

export function parseJsonObject(bytes: Uint8Array): JsonObject {
  if (bytes.byteLength === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw serialization("The request body is not valid JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw serialization("The request body must be a JSON object.");
  }
  return value as JsonObject;
}

/** AWS names members in validation messages with a lower-case first letter. */
const memberPath = (key: string) => key.slice(0, 1).toLowerCase() + key.slice(1);

function violation(key: string, value: unknown, rule: string) {
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return invalidArgument(
    `1 validation error detected: Value '${shown}' at '${
      memberPath(key)
    }' failed to satisfy constraint: Member must ${rule}`,
  );
}

export interface StringRule {
  pattern?: RegExp;
  min?: number;
  max?: number;
}

export function optionalString(body: JsonObject, key: string, rule: StringRule = {}) {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw violation(key, value, "be a string");
  if (rule.min !== undefined && value.length < rule.min) {
    throw violation(key, value, `have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw violation(key, value, `have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw violation(
      key,
      value,
      `satisfy regular expression pattern: ${rule.pattern.source.replace(/^\^|\$$/g, "")}`,
    );
  }
  return value;
}

export function requiredString(body: JsonObject, key: string, rule: StringRule = {}) {
  const value = optionalString(body, key, rule);
  if (value === undefined) throw violation(key, null, "not be null");
  return value;
}

export function optionalEnum<T extends string>(
  body: JsonObject,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = optionalString(body, key);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw violation(key, value, `satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return value as T | undefined;
}

export function requiredEnum<T extends string>(
  body: JsonObject,
  key: string,
  allowed: readonly T[],
): T {
  const value = optionalEnum(body, key, allowed);
  if (value === undefined) throw violation(key, null, "not be null");
  return value;
}

/** A timestamp as the SDKs send one in JSON: epoch seconds, with a fraction. */
export function requiredEpochSeconds(body: JsonObject, key: string): number {
  const value = body[key];
  if (value === undefined || value === null) throw violation(key, null, "not be null");
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw violation(key, value, "be a timestamp in epoch seconds");
  }
  return value;
}

export function optionalInteger(body: JsonObject, key: string, min: number, max: number) {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw violation(key, value, "be an integer");
  }
  if (value < min) throw violation(key, value, `have value greater than or equal to ${min}`);
  if (value > max) throw violation(key, value, `have value less than or equal to ${max}`);
  return value;
}

export function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw violation(key, value, "be an object");
  }
  return value as JsonObject;
}

export function requiredArray(body: JsonObject, key: string, min: number, max: number) {
  const value = optionalArray(body, key, min, max);
  if (value === undefined) throw violation(key, null, "not be null");
  return value;
}

export function optionalArray(body: JsonObject, key: string, min: number, max: number) {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw violation(key, value, "be a list");
  if (value.length < min) {
    throw violation(key, value, `have length greater than or equal to ${min}`);
  }
  if (value.length > max) throw violation(key, value, `have length less than or equal to ${max}`);
  return value as unknown[];
}
