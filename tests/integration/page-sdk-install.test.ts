/**
 * `npm ci && npm start` gives a checkout the whole viewer page: npm's install runs the step that
 * fetches the KVS WebRTC JS SDK browser bundle (integrity-checked) that the page loads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { kvsWebrtcSdk, kvsWebrtcSdkDist } from "../../adapters/local/page/page-files.ts";

const root = resolve(import.meta.dirname!, "../..");

test("npm ci runs the step that puts the page's SDK bundle in place, and it runs", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  // The scripts of its own that npm ci runs, in this order.
  const installSteps = ["preinstall", "install", "postinstall", "prepare"]
    .map((name) => pkg.scripts?.[name]).filter(Boolean) as string[];
  const step = installSteps.find((s) => s.includes("scripts/kvs-webrtc-sdk.ts"));
  assert.ok(step, `npm ci runs no step that fetches the SDK bundle: ${installSteps.join("; ")}`);
  // As npm runs it: in the package folder, node_modules/.bin first on PATH.
  const PATH = `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH}`;
  execSync(step, { cwd: root, env: { ...process.env, PATH }, stdio: "ignore" });
  for (const file of kvsWebrtcSdk.files) {
    assert.ok(existsSync(join(kvsWebrtcSdkDist, file)), `${file} is in place`);
  }
});
