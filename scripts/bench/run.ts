/**
 * npm run bench: runs every benchmark in scripts/bench/ (each *.ts but this one), one after the
 * other, each in its own process with this runtime, and stops at the first that fails.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

const dir = import.meta.dirname!;
const self = basename(import.meta.filename!);
const benches = readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== self).sort();
// The media bench collects garbage before it reads what the master keeps: V8 needs --expose-gc.
const runtimeArgs = basename(process.execPath).startsWith("deno")
  ? ["run", "-A", "--v8-flags=--expose-gc"]
  : [];
for (const bench of benches) {
  console.log(`\n== ${bench}`);
  const r = spawnSync(process.execPath, [...runtimeArgs, join(dir, bench)], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`${bench} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
