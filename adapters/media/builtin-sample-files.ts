/**
 * The built-in sample media: file name -> readable path. From source, the files in samples/;
 * in the compiled binary, scripts/build.ts replaces this module with one that embeds them.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const embedded = false;

export function builtinSampleFiles(): Map<string, string> {
  const dir = fileURLToPath(new URL("../../samples/", import.meta.url));
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).sort().map((f) => [f, join(dir, f)]));
}
