/**
 * The built x64 binary, copied alone into an empty directory, serves the browser pages and the
 * KVS WebRTC JS SDK bundle from inside itself, and interoperates with headless Chromium.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { kvsWebrtcSdk, kvsWebrtcSdkDist } from "../../adapters/local/page/page-files.ts";
import { ensureKvsWebrtcSdk } from "../../scripts/kvs-webrtc-sdk.ts";
import { browserInteropTests } from "../helpers/browser-interop.ts";
import { type KvsrtcProcess, runKvsrtc } from "../helpers/kvsrtc-process.ts";

const dir = mkdtempSync(join(tmpdir(), "kvsrtc-e2e-browser-"));
const binary = join(dir, "kvsrtc");
copyFileSync(resolve(import.meta.dirname!, "../../dist/kvsrtc-linux-x64"), binary);

describe("x64 binary: the browser pages are embedded", () => {
  let serve: KvsrtcProcess;
  let url: string;
  before(async () => {
    serve = runKvsrtc(["serve", "--port", "0"], { binary, cwd: dir });
    [, url] = await serve.waitFor(/endpoint at (http:\/\/\S+) /, 30_000);
  });
  after(() => serve?.stop());

  test("GET /, /master and the page scripts are served", async () => {
    for (const path of ["/", "/master", "/page/viewer.js", "/page/master.js", "/page/page.css"]) {
      const r = await fetch(new URL(path, url));
      assert.equal(r.status, 200, path);
      await r.body?.cancel();
    }
  });

  test(`the KVS WebRTC JS SDK ${kvsWebrtcSdk.version} bundle is served byte for byte`, async () => {
    ensureKvsWebrtcSdk();
    for (const file of kvsWebrtcSdk.files) {
      const r = await fetch(new URL(`/page/${file}`, url));
      assert.equal(r.status, 200, file);
      const served = new Uint8Array(await r.arrayBuffer());
      assert.deepEqual(served, new Uint8Array(readFileSync(join(kvsWebrtcSdkDist, file))), file);
    }
  });
});

browserInteropTests({ binary });

after(() => rmSync(dir, { recursive: true, force: true }));
