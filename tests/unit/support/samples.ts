/** The committed sample media (samples/), read for tests. */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../../samples/", import.meta.url));

function read(prefix: string): Uint8Array[] {
  return readdirSync(dir).filter((f) => f.startsWith(prefix)).sort()
    .map((f) => new Uint8Array(readFileSync(dir + f)));
}

export const sampleFrames: Uint8Array[] = read("frame-");
export const sampleOpusPackets: Uint8Array[] = read("sample-");

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
