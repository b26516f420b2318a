/** Validates metrics JSON lines against the documented schema (docs/metrics.schema.json). */
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { Ajv } from "ajv";

const schema = JSON.parse(
  readFileSync(new URL("../../docs/metrics.schema.json", import.meta.url), "utf8"),
);
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/** Throws, naming every violation, unless `record` matches the schema. */
export function assertMatchesMetricsSchema(record: unknown): void {
  if (validate(record)) return;
  assert.fail(
    `not a valid metrics record: ${JSON.stringify(validate.errors, null, 1)}\n` +
      JSON.stringify(record),
  );
}
