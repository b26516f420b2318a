/** `--data-dir`: the endpoint's channels and streams as one JSON file, rewritten atomically on change. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RegistrySnapshot } from "../../core/local-endpoint/registry.ts";
import { parseRegistrySnapshot } from "../../core/local-endpoint/state-snapshot.ts";

const fileName = "kvsrtc-endpoint-state.json";

export function loadState(dataDir: string): RegistrySnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, fileName), "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return parseRegistrySnapshot(text);
  } catch (error) {
    throw new Error(
      `${join(dataDir, fileName)} is not a kvsrtc endpoint state file: ${(error as Error).message}`,
    );
  }
}

export function saveState(dataDir: string, state: RegistrySnapshot): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, fileName);
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 1));
  renameSync(`${path}.tmp`, path);
}
