/**
 * How to run kvsrtc again from where the user started it, for the commands kvsrtc prints: the
 * compiled binary as it was named, or, from a checkout, the runtime and cli/main.ts (`npm start`
 * runs `bun cli/main.ts`, whose `bun` only npm's PATH finds: the user's shell needs
 * node_modules/.bin/bun).
 */
import { existsSync, realpathSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, relative, resolve, sep } from "node:path";

export interface Startup {
  /** The program as it was started: argv[0] before any lookup. */
  argv0: string;
  execPath: string;
  /** The script the runtime runs (argv[1]); unused for a compiled binary. */
  script: string | undefined;
  cwd: string;
  env: Record<string, string | undefined>;
}

const runtimeNames = /^(bun|deno)(\.exe)?$/;

/** Folders npm, npx and `bun run` put on PATH for a script; a user's shell does not have them. */
function isScriptBinFolder(dir: string): boolean {
  return dir.endsWith(`node_modules${sep}.bin`) || dir.endsWith("node_modules/.bin");
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A path as the user types it in `where`: relative inside it, else absolute. */
function pathFrom(where: string, path: string): string {
  const rel = relative(where, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return path;
  return rel.includes(sep) ? rel : `.${sep}${rel}`;
}

/** The shortest way the user's shell in `where` reaches `program`, as the process was started. */
function programWord(startup: Startup, where: string): string {
  const pathDirs = (startup.env.PATH ?? "").split(delimiter).filter(Boolean);
  const { argv0, execPath } = startup;
  const started = argv0.includes("/")
    ? resolve(startup.cwd, argv0)
    : pathDirs.map((dir) => resolve(startup.cwd, dir, argv0)).find((p) => sameFile(p, execPath));
  const path = started && sameFile(started, execPath) ? started : execPath;
  const name = basename(path);
  const userPath = pathDirs.filter((dir) => !isScriptBinFolder(dir));
  if (userPath.some((dir) => sameFile(join(dir, name), path))) return name;
  return pathFrom(where, path);
}

/** The command line that runs kvsrtc for the user, e.g. `node_modules/.bin/bun cli/main.ts`. */
export function kvsrtcInvocation(startup: Startup): string {
  // npm runs scripts in the package's folder; INIT_CWD is where the user typed `npm start`.
  const where = startup.env.INIT_CWD || startup.cwd;
  const program = shellWord(programWord(startup, where));
  const runtime = basename(startup.execPath).match(runtimeNames)?.[1];
  if (!runtime || !startup.script || !existsSync(startup.script)) return program;
  const script = shellWord(pathFrom(where, resolve(startup.cwd, startup.script)));
  return runtime === "deno" ? `${program} run -A ${script}` : `${program} ${script}`;
}

let cached: string | undefined;

/** kvsrtcInvocation for this process. */
export function kvsrtc(): string {
  cached ??= kvsrtcInvocation({
    argv0: process.argv0,
    execPath: process.execPath,
    script: process.argv[1],
    cwd: process.cwd(),
    env: process.env,
  });
  return cached;
}

/** A command line written as `kvsrtc ...` (usage, help), with kvsrtc as this process runs it. */
export function asRunHere(commandLine: string): string {
  return commandLine.replace(/^kvsrtc\b/, kvsrtc());
}
