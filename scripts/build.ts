/**
 * Builds one self-contained kvsrtc binary per target with `bun build --compile` (Bun's API).
 *
 * node-datachannel picks its native addon with a dynamic `require` of a platform package name,
 * which the bundler cannot follow; a plugin swaps that loader for a static require of the
 * target's `node_datachannel.node`, so the addon is embedded. The built-in sample media is
 * embedded the same way: the plugin replaces the module that lists it with file imports; so are
 * the browser pages' files, the KVS WebRTC JS SDK bundle (fetched into .cache/ if needed) and
 * hls.js's bundle.
 * Run with: bun scripts/build.ts [x64|arm64 ...]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { assetsDir, hlsJsFiles, kvsWebrtcSdk } from "../adapters/local/page/page-files.ts";
import { ensureKvsWebrtcSdk } from "./kvs-webrtc-sdk.ts";
import ndcPkg from "../node_modules/node-datachannel/package.json" with { type: "json" };

declare const Bun: {
  build(options: Record<string, unknown>): Promise<{ success: boolean; logs: unknown[] }>;
};

const root = resolve(import.meta.dirname!, "..");
const targets = { x64: "bun-linux-x64", arm64: "bun-linux-arm64" } as const;
type Arch = keyof typeof targets;

/** The addon for `arch`: from node_modules when npm installed it, else fetched with npm pack. */
function addonPath(arch: Arch): string {
  const pkg = `@node-datachannel/linux-${arch}-gnu`;
  const installed = join(root, "node_modules", pkg, "node_datachannel.node");
  if (existsSync(installed)) return installed;
  const dir = join(root, ".cache", `linux-${arch}-gnu-${ndcPkg.version}`);
  const cached = join(dir, "package", "node_datachannel.node");
  if (!existsSync(cached)) {
    mkdirSync(dir, { recursive: true });
    console.log(`fetching ${pkg}@${ndcPkg.version} for the ${arch} build`);
    const tarball = execFileSync(
      "npm",
      ["pack", `${pkg}@${ndcPkg.version}`, "--pack-destination", dir, "--silent"],
      { encoding: "utf8" },
    ).trim().split("\n").pop()!;
    execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir]);
  }
  return cached;
}

/** A module source whose `functionName()` maps each file name to its path inside the binary. */
function embeddingModule(functionName: string, files: [string, string][], extra = ""): string {
  const imports = files.map(([, path], i) =>
    `import f${i} from ${JSON.stringify(path)} with { type: "file" };`
  );
  const entries = files.map(([name], i) => `[${JSON.stringify(name)}, f${i}]`);
  return `${imports.join("\n")}
export const embedded = true;
export function ${functionName}() { return new Map([${entries.join(",")}]); }
${extra}`;
}

function sampleModule(): string {
  const dir = join(root, "samples");
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  return embeddingModule("builtinSampleFiles", files.map((f) => [f, join(dir, f)]));
}

/** The browser pages' files and the KVS WebRTC JS SDK bundle they load. */
function pageModule(): string {
  const sdkDist = ensureKvsWebrtcSdk();
  const files: [string, string][] = [
    ...readdirSync(assetsDir).sort().map((f): [string, string] => [f, join(assetsDir, f)]),
    ...kvsWebrtcSdk.files.map((f): [string, string] => [f, join(sdkDist, f)]),
    ...hlsJsFiles,
  ];
  return embeddingModule(
    "pageFiles",
    files,
    `export const kvsWebrtcSdk = ${JSON.stringify(kvsWebrtcSdk)};`,
  );
}

async function build(arch: Arch): Promise<string> {
  const addon = addonPath(arch);
  const outfile = join(root, "dist", `kvsrtc-linux-${arch}`);
  const result = await Bun.build({
    entrypoints: [join(root, "cli", "main.ts")],
    compile: { target: targets[arch], outfile },
    minify: true,
    sourcemap: "none",
    plugins: [{
      name: "kvsrtc-embed",
      setup(b: {
        onLoad(o: { filter: RegExp }, cb: () => { contents: string; loader: string }): void;
      }) {
        b.onLoad(
          { filter: /node-datachannel[\\/]dist[\\/]esm[\\/]lib[\\/]node-datachannel\.mjs$/ },
          () => ({
            contents: `export default require(${JSON.stringify(addon)});`,
            loader: "js",
          }),
        );
        b.onLoad({ filter: /adapters[\\/]media[\\/]builtin-sample-files\.ts$/ }, () => ({
          contents: sampleModule(),
          loader: "ts",
        }));
        b.onLoad({ filter: /adapters[\\/]local[\\/]page[\\/]page-files\.ts$/ }, () => ({
          contents: pageModule(),
          loader: "ts",
        }));
      },
    }],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    throw new Error(`build for ${arch} failed`);
  }
  return outfile;
}

const wanted =
  (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(targets)) as Arch[];
for (const arch of wanted) {
  if (!(arch in targets)) throw new Error(`unknown target "${arch}" (x64 or arm64)`);
  const started = performance.now();
  const out = await build(arch);
  console.log(`built ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
