/**
 * A kvsrtc command run as its own process, as a user runs it: from source with the runtime
 * running the test (integration), or a built binary (e2e). Its output is collected so a test
 * can wait for a line and show everything it printed when something fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { basename, delimiter, dirname, resolve } from "node:path";

const main = resolve(import.meta.dirname!, "../../cli/main.ts");

export interface KvsrtcProcess {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  /** The first match of `pattern` in stdout or stderr, waiting up to timeoutMs for it. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM (then SIGKILL after 5 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `kvsrtc args...`: the given binary, else cli/main.ts with this test's runtime. */
export function runKvsrtc(
  args: string[],
  options: { binary?: string; cwd?: string; env?: Record<string, string>; stdin?: boolean } = {},
) {
  const argv = options.binary ? [options.binary, ...args] : [
    process.execPath,
    ...(basename(process.execPath).startsWith("deno") ? ["run", "-A"] : []),
    main,
    ...args,
  ];
  // A binary is run as a user who installed it: its folder on PATH, so it prints its name.
  const path = options.binary
    ? { PATH: `${dirname(options.binary)}${delimiter}${process.env.PATH}` }
    : {};
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: options.env || options.binary ? { ...process.env, ...path, ...options.env } : undefined,
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d) => (output.stdout += d));
  child.stderr!.on("data", (d) => (output.stderr += d));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.on("exit", (code) => {
      exitCode = code;
      done(exitCode);
    })
  );
  const printed = () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`;
  return {
    child,
    output,
    exited,
    async waitFor(pattern: RegExp, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output.stdout) ?? pattern.exec(output.stderr);
        if (match) return match;
        if (exitCode !== undefined) {
          throw new Error(`kvsrtc ${args[0]} exited (${exitCode}) before ${pattern}\n${printed()}`);
        }
        if (Date.now() > deadline) {
          throw new Error(
            `kvsrtc ${args[0]} printed no ${pattern} in ${timeoutMs} ms\n${printed()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  } satisfies KvsrtcProcess;
}

/** Runs `kvsrtc viewer --out DIR --frames N` on the endpoint's channel; throws unless it exits 0. */
export async function viewIntoDir(url: string, channel: string, frames: number, out: string) {
  const viewer = runKvsrtc([
    "viewer",
    ...["--endpoint-url", url, "--channel", channel, "--out", out, "--frames", String(frames)],
  ]);
  const code = await viewer.exited;
  if (code !== 0) throw new Error(`kvsrtc viewer exited with ${code}\n${viewer.output.stderr}`);
}
