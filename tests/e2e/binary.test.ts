/** The built binaries, copied alone into an empty directory, as a user would run them. */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";

const dist = resolve(import.meta.dirname!, "../../dist");

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function isolated(binary: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kvsrtc-e2e-"));
  dirs.push(dir);
  const copy = join(dir, "kvsrtc");
  copyFileSync(join(dist, binary), copy);
  return copy;
}

/** Runs the binary as a user who installed it: its folder on PATH, so it prints its name. */
function run(argv: string[], cwd?: string) {
  const env = { ...process.env, PATH: `${dirname(argv[0])}${delimiter}${process.env.PATH}` };
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", cwd, env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("x64 binary alone in an empty directory", () => {
  const bin = isolated("kvsrtc-linux-x64");
  const cwd = resolve(bin, "..");

  test("--help lists all six subcommands", () => {
    const r = run([bin, "--help"], cwd);
    assert.equal(r.code, 0);
    for (const cmd of ["master", "viewer", "producer", "storage", "metrics", "serve"]) {
      assert.match(r.stdout, new RegExp(`^  ${cmd} `, "m"));
    }
  });

  test("--version prints the package version", () => {
    const r = run([bin, "--version"], cwd);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^kvsrtc \d+\.\d+\.\d+/);
  });

  test("--self-test exchanges data-channel messages over loopback", () => {
    const r = run([bin, "--self-test"], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /self-test passed: 10 data-channel messages/);
  });

  test("an unknown flag exits 2 with a one-line error and usage", () => {
    const r = run([bin, "master", "--no-such-flag"], cwd);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--no-such-flag'/);
    assert.match(r.stderr, /Usage: kvsrtc master/);
  });
});

function qemuMissing(): string | undefined {
  try {
    execFileSync("qemu-aarch64-static", ["--version"], { stdio: "ignore" });
  } catch {
    return "qemu-aarch64-static is not installed (Debian qemu-user-static)";
  }
  if (!existsSync("/usr/lib/aarch64-linux-gnu/libstdc++.so.6")) {
    return "arm64 libraries are missing (libc6:arm64, libstdc++6:arm64)";
  }
  return undefined;
}

describe("arm64 binary (Raspberry Pi) under qemu-user", () => {
  const skip = qemuMissing();
  if (skip) console.log(`SKIPPED arm64 checks: ${skip}`);

  test("--version", { skip }, () => {
    const bin = isolated("kvsrtc-linux-arm64");
    const r = run(["qemu-aarch64-static", "-L", "/", bin, "--version"], resolve(bin, ".."));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^kvsrtc \d+\.\d+\.\d+/);
  });

  test("--self-test", { skip }, () => {
    const bin = isolated("kvsrtc-linux-arm64");
    const r = run(["qemu-aarch64-static", "-L", "/", bin, "--self-test"], resolve(bin, ".."));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /self-test passed/);
  });
});
