/**
 * `--data-dir`: the endpoint's channels and streams as one JSON file. A change is written to a
 * temporary file beside it, flushed to disk, then renamed over it, so a crash at any moment
 * leaves the old state or the new one, never a torn file.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { RegistrySnapshot } from "../../core/local-endpoint/registry.ts";
import { parseRegistrySnapshot } from "../../core/local-endpoint/state-snapshot.ts";

const fileName = "kvsrtc-endpoint-state.json";

/** The saved state, or undefined when there is none; throws a one-line Error naming the file and
 * what is wrong with it. */
export function loadState(dataDir: string): RegistrySnapshot | undefined {
  const path = join(dataDir, fileName);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === "ENOENT") return undefined;
    throw new Error(`cannot read the endpoint state file ${path}: ${code ?? message}`);
  }
  const broken = (problem: string) =>
    new Error(
      `the endpoint state file ${path} is broken (${problem}); move it away to start empty`,
    );
  if (text.trim() === "") throw broken("it is empty");
  try {
    return parseRegistrySnapshot(text);
  } catch (error) {
    throw broken((error as Error).message);
  }
}

export function saveState(dataDir: string, state: RegistrySnapshot): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, fileName);
  const temporary = `${path}.tmp`;
  const file = openSync(temporary, "w");
  try {
    writeSync(file, JSON.stringify(state, null, 1));
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  renameSync(temporary, path);
  syncDirectory(dataDir);
}

/** Makes a rename or a new file in `dir` durable; a platform that cannot open a directory skips
 * it. */
export function syncDirectory(dir: string): void {
  let handle: number;
  try {
    handle = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}
