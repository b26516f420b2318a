/** The committed sample media (samples/), read for tests. */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export { concatBytes } from "../../../core/bytes/concat-bytes.ts";

const dir = fileURLToPath(new URL("../../../samples/", import.meta.url));

function read(prefix: string): Uint8Array[] {
  return readdirSync(dir).filter((f) => f.startsWith(prefix)).sort()
    .map((f) => new Uint8Array(readFileSync(dir + f)));
}

export const sampleFrames: Uint8Array[] = read("frame-");
export const sampleOpusPackets: Uint8Array[] = read("sample-");
