/**
 * The browser pages' files: name -> readable path. From source, the files in assets/ plus the
 * KVS WebRTC JS SDK browser bundle that scripts/kvs-webrtc-sdk.ts (run by `npm ci`) fetched into
 * .cache/ and hls.js's browser bundle from node_modules (a dependency); in the compiled binary,
 * scripts/build.ts replaces this module with one that embeds them all.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The official KVS WebRTC JS SDK, pinned. Only its self-contained browser bundle is used (global
 * `KVSWebRTC`); `integrity` is the npm tarball's, checked when it is fetched.
 */
export const kvsWebrtcSdk = {
  name: "amazon-kinesis-video-streams-webrtc",
  version: "2.9.0",
  integrity:
    "sha512-GIAni+KW7TVWPd4LWHSr/0HtYnIDAgFqSaVxk17UKfX15hmXWpf2XyHSCBz1nI6pY076jIn1U4uYuxPNbaWhTw==",
  /** Files taken from the package's dist/. */
  files: ["kvs-webrtc.min.js", "kvs-webrtc.LICENSE"],
} as const;

/** Where the unpacked SDK's dist/ folder lives in a source checkout. */
export const kvsWebrtcSdkDist = fileURLToPath(
  new URL(
    `../../../.cache/${kvsWebrtcSdk.name}-${kvsWebrtcSdk.version}/package/dist/`,
    import.meta.url,
  ),
);

/** hls.js (the recordings page's player): page file name -> path in node_modules. */
export const hlsJsFiles: [string, string][] = [
  ["hls.min.js", "dist/hls.min.js"],
  ["hls.js.LICENSE", "LICENSE"],
].map(([name, file]) => [
  name,
  fileURLToPath(new URL(`../../../node_modules/hls.js/${file}`, import.meta.url)),
]);

export const assetsDir = fileURLToPath(new URL("./assets/", import.meta.url));

export const embedded = false;

export function pageFiles(): Map<string, string> {
  const files = new Map(readdirSync(assetsDir).sort().map((f) => [f, join(assetsDir, f)]));
  for (const f of kvsWebrtcSdk.files) {
    const path = join(kvsWebrtcSdkDist, f);
    if (existsSync(path)) files.set(f, path);
  }
  for (const [name, path] of hlsJsFiles) files.set(name, path);
  return files;
}
