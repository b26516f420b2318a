import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kvsrtcInvocation } from "../../cli/invocation.ts";

/** A checkout with node_modules/bun/bin/bun.exe linked from node_modules/.bin/bun. */
function checkout() {
  const root = mkdtempSync(join(tmpdir(), "kvsrtc-checkout-"));
  mkdirSync(join(root, "node_modules/bun/bin"), { recursive: true });
  mkdirSync(join(root, "node_modules/.bin"));
  mkdirSync(join(root, "cli"));
  const bun = join(root, "node_modules/bun/bin/bun.exe");
  writeFileSync(bun, "");
  chmodSync(bun, 0o755);
  symlinkSync("../bun/bin/bun.exe", join(root, "node_modules/.bin/bun"));
  writeFileSync(join(root, "cli/main.ts"), "");
  return { root, bun, script: join(root, "cli/main.ts") };
}

describe("the kvsrtc command line printed for the user runs where it is printed", () => {
  test("npm start: bun through node_modules/.bin, not npm's PATH, from where npm was typed", () => {
    const { root, bun, script } = checkout();
    const startup = {
      argv0: "bun",
      execPath: bun,
      script,
      cwd: root,
      env: { PATH: `${join(root, "node_modules/.bin")}:/usr/bin`, INIT_CWD: root },
    };
    assert.equal(kvsrtcInvocation(startup), "node_modules/.bin/bun cli/main.ts");
    mkdirSync(join(root, "sub"));
    assert.equal(
      kvsrtcInvocation({ ...startup, env: { ...startup.env, INIT_CWD: join(root, "sub") } }),
      `${join(root, "node_modules/.bin/bun")} ${script}`,
      "outside the checkout: absolute paths",
    );
  });

  test("deno from a checkout adds run -A", () => {
    const { root, script } = checkout();
    const deno = join(root, "node_modules/deno/deno");
    mkdirSync(join(root, "node_modules/deno"));
    writeFileSync(deno, "");
    const startup = { argv0: "node_modules/deno/deno", execPath: deno, script, cwd: root, env: {} };
    assert.equal(kvsrtcInvocation(startup), "node_modules/deno/deno run -A cli/main.ts");
  });

  test("a compiled binary: its name when the user's PATH finds it, else its path", () => {
    const { root } = checkout();
    const bin = join(root, "bin");
    mkdirSync(bin);
    const binary = join(bin, "kvsrtc");
    writeFileSync(binary, "");
    const onPath = { argv0: "kvsrtc", execPath: binary, script: "/$bunfs/root/kvsrtc", cwd: root };
    assert.equal(kvsrtcInvocation({ ...onPath, env: { PATH: bin } }), "kvsrtc");
    assert.equal(kvsrtcInvocation({ ...onPath, argv0: "./bin/kvsrtc", env: {} }), "bin/kvsrtc");
    assert.equal(
      kvsrtcInvocation({ ...onPath, cwd: join(root, "cli"), argv0: binary, env: {} }),
      binary,
    );
  });
});
