/**
 * Fetches the KVS WebRTC JS SDK's browser bundle into .cache/ for the viewer page: `npm pack`
 * of the pinned version, checked against the pinned integrity, then unpacked. Not an npm
 * dependency because installing it pulls ~480 MB of packages the self-contained browser bundle
 * never uses (isomorphic-webcrypto -> expo/react-native, jsdom). `npm ci` runs it (package.json
 * postinstall), so a checkout serves the page as installed; the build and the browser tests call
 * it too; kvsrtc itself never downloads anything at run time.
 * Run with: npm run postinstall (prints the dist/ folder).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { kvsWebrtcSdk, kvsWebrtcSdkDist } from "../adapters/local/page/page-files.ts";

/** The dist/ folder holding the SDK's browser bundle, fetched first if it is not there yet. */
export function ensureKvsWebrtcSdk(): string {
  if (kvsWebrtcSdk.files.every((f) => existsSync(join(kvsWebrtcSdkDist, f)))) {
    return kvsWebrtcSdkDist;
  }
  const dir = resolve(kvsWebrtcSdkDist, "../..");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = `${kvsWebrtcSdk.name}@${kvsWebrtcSdk.version}`;
  console.log(`fetching ${spec} (browser bundle for the viewer page)`);
  const tarball = join(
    dir,
    execFileSync("npm", ["pack", spec, "--pack-destination", dir, "--silent"], {
      encoding: "utf8",
    }).trim().split("\n").pop()!,
  );
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (integrity !== kvsWebrtcSdk.integrity) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${spec}: tarball integrity ${integrity} is not the pinned one`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", dir]);
  return kvsWebrtcSdkDist;
}

if (import.meta.main) console.log(ensureKvsWebrtcSdk());
