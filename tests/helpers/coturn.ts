/**
 * Debian's coturn (`turnserver`) on loopback for tests: a free port, a random static-auth-secret
 * (the coturn REST scheme the local endpoint signs with), ready when it answers a STUN Binding
 * over UDP; stopped (SIGTERM, then SIGKILL) by `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { type AddressInfo, createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBindingRequest, parseStunMessage } from "../../core/stun/message.ts";

export interface Coturn {
  /** e.g. turn:127.0.0.1:PORT (UDP and TCP both listen there). */
  url: string;
  secret: string;
  /** What coturn printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function coturnInstalled(): boolean {
  return spawnSync("turnserver", ["--version"], { stdio: "ignore" }).status === 0;
}

/** A loopback port free for both TCP and UDP right now (coturn listens on both). */
async function freePort(): Promise<number> {
  for (;;) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(0, "127.0.0.1", () => resolve((tcp.address() as AddressInfo).port));
    });
    const udp = createSocket("udp4");
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((resolve) => udpFree ? udp.close(() => resolve()) : resolve());
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) return port;
  }
}

/** One STUN Binding request; resolves true if a response came within `timeoutMs`. */
function answersStun(port: number, timeoutMs: number): Promise<boolean> {
  const socket = createSocket("udp4");
  const id = crypto.getRandomValues(new Uint8Array(12));
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("message", (msg) => done(parseStunMessage(new Uint8Array(msg)) !== undefined));
    socket.on("error", () => done(false));
    socket.send(buildBindingRequest(id), port, "127.0.0.1");
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts coturn; another process can take the chosen port before coturn binds it, so a start
 * that fails is tried again on a new port.
 */
export async function startCoturn(timeoutMs = 10_000, attempts = 3): Promise<Coturn> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startCoturnOnce(timeoutMs);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

async function startCoturnOnce(timeoutMs: number): Promise<Coturn> {
  const port = await freePort();
  const secret = crypto.randomUUID();
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-coturn-"));
  const child = spawn("turnserver", [
    "-n", // no configuration file: everything is on this command line
    "--listening-ip=127.0.0.1",
    "--relay-ip=127.0.0.2",
    `--listening-port=${port}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    "--realm=kvsrtc.test",
    "--allow-loopback-peers", // both peers of a test live on 127.0.0.1
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--log-file=stdout",
    "--simple-log",
    "--verbose",
    `--pidfile=${join(dir, "turnserver.pid")}`,
    `--userdb=${join(dir, "turndb")}`,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited(child);
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (output.includes("Cannot bind") || !(await answersStun(port, 200))) {
    // A listener it could not bind (another process took the port) is a failed start too.
    if (child.exitCode !== null || output.includes("Cannot bind") || Date.now() > deadline) {
      await stop();
      throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${output}`);
    }
  }
  return { url: `turn:127.0.0.1:${port}`, secret, log: () => output, stop };
}
