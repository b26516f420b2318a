/**
 * Headless Chromium from Debian (/usr/bin/chromium, never a downloaded browser), driven with
 * playwright-core, each launch with a fresh profile. Flags from notes/webrtc-trials.md: loopback
 * ICE candidates are only paired with --allow-loopback-in-peer-connection, and audio only plays
 * without a user gesture with the autoplay policy relaxed.
 */
import { Buffer } from "node:buffer";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { isKeyframe } from "../../core/h264/access-unit.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";

export const chromiumPath = "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(chromiumPath)
    ? undefined
    : `${chromiumPath} is not installed (Debian package chromium)`;
}

/** test-artifacts/ at the repository root (screenshots a person can look at), created. */
export function testArtifacts(): string {
  const dir = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** fakeMedia: a fake camera (640x480 test pattern) and microphone, permission granted. */
export async function launchChromium(options: { fakeMedia?: boolean } = {}): Promise<Chromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "kvsrtc-chromium-"));
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
  ];
  if (options.fakeMedia) {
    args.push("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream");
  }
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Page errors and console errors, kept so a failing test can say what the page saw. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Opens the browser master page (fake camera) as MASTER of `channel` on the endpoint at
 * `origin`, and waits until its signaling is open; with ingestMedia it also joins the channel's
 * storage session (the page's "ingest media").
 */
export async function openBrowserMaster(
  browser: Chromium,
  origin: string,
  channel: string,
  options: { ingestMedia?: boolean } = {},
): Promise<Page> {
  const page = await browser.context.newPage();
  const errors = collectPageErrors(page);
  const search = new URLSearchParams({ channel });
  if (options.ingestMedia) search.set("ingest-media", "true");
  await page.goto(new URL(`/master?${search}`, origin).href);
  await page.waitForFunction(
    () => globalThis.kvsrtcMaster?.status === "waiting for viewers",
    null,
    { timeout: 15_000 },
  ).catch(async (e) => {
    const state = await page.evaluate(() => JSON.stringify(globalThis.kvsrtcMaster));
    throw new Error(`the browser master page did not connect: ${state} ${errors.join("; ")} ${e}`);
  });
  return page;
}

/**
 * Opens the viewer page at `url` (which names the channel) and waits until it has decoded
 * `frames` frames; a timeout error shows the page's state, its errors and `context()`.
 */
export async function viewFrames(
  browser: Chromium,
  url: string,
  frames: number,
  timeoutMs: number,
  context: () => string = () => "",
): Promise<Page> {
  const page = await browser.context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(url);
  await page.waitForFunction(
    (n) => (globalThis.kvsrtcViewer?.stats?.framesDecoded ?? 0) >= n,
    frames,
    { timeout: timeoutMs },
  ).catch(async (e) => {
    const state = await page.evaluate(() => JSON.stringify(globalThis.kvsrtcViewer));
    throw new Error(`viewer page: ${state}\n${errors.join("\n")}\n${context()}\n${e}`);
  });
  return page;
}

export interface ImageStats {
  width: number;
  height: number;
  /** Distinct colours after quantizing each channel to 5 bits. */
  colours: number;
  /** Standard deviation of luma (0-255) over all pixels. */
  lumaStdDev: number;
  /** Share of pixels darker than luma 16. */
  blackShare: number;
}

/**
 * Why an image counts as blank (one flat colour, or mostly black as a video element is before
 * its first frame), or undefined when it shows something.
 */
export function blankReason(s: ImageStats): string | undefined {
  if (s.blackShare > 0.5) return `${(s.blackShare * 100).toFixed(0)}% of it is black`;
  if (s.colours < 8 || s.lumaStdDev < 8) {
    return `it is flat (${s.colours} colours, luma standard deviation ${s.lumaStdDev.toFixed(1)})`;
  }
  return undefined;
}

/** Decodes a PNG (e.g. a saved screenshot) in the browser and measures how much it shows. */
export function imageStats(page: Page, png: Uint8Array): Promise<ImageStats> {
  const dataUrl = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  return page.evaluate(async (src) => {
    const image = new Image();
    image.src = src;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const g = canvas.getContext("2d")!;
    g.drawImage(image, 0, 0);
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set<number>();
    let sum = 0, sumSquares = 0, black = 0;
    const pixels = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const [r, gr, b] = [data[i], data[i + 1], data[i + 2]];
      colours.add(((r >> 3) << 10) | ((gr >> 3) << 5) | (b >> 3));
      const luma = 0.299 * r + 0.587 * gr + 0.114 * b;
      sum += luma;
      sumSquares += luma * luma;
      if (luma < 16) black++;
    }
    const mean = sum / pixels;
    return {
      width: canvas.width,
      height: canvas.height,
      colours: colours.size,
      lumaStdDev: Math.sqrt(Math.max(0, sumSquares / pixels - mean * mean)),
      blackShare: black / pixels,
    };
  }, dataUrl);
}

/** What the viewer page (adapters/local/page/assets/viewer.js) mirrors on window.kvsrtcViewer. */
export interface ViewerPageState {
  status: string;
  error?: string;
  /** performance.now() readings: making the offer began, the first picture was shown. */
  timing: { offerAt?: number; firstFrameAt?: number };
  stats?: {
    framesDecoded: number;
    width?: number;
    height?: number;
    framesPerSecond?: number;
    bitrateKbps?: number;
    rttMs?: number;
    packetsLost: number;
    audioPackets: number;
    codecs: string[];
    /** Whether the master answered transport-cc (it then estimates this viewer's bandwidth). */
    transportCc: boolean;
  };
  received: string[];
  send(text: string): void;
}

/** What the browser master page (assets/master.js) mirrors on window.kvsrtcMaster. */
export interface MasterPageState {
  status: string;
  error?: string;
  viewers: Record<string, {
    connectionState: string;
    framesSent?: number;
    codec?: string;
    videoBytesSent?: number;
    /** The browser's own send-side bandwidth estimate for this viewer. */
    sendEstimateBps?: number;
  }>;
  received: { from: string; text: string }[];
}

declare global {
  var kvsrtcViewer: ViewerPageState;
  var kvsrtcMaster: MasterPageState;
}

export interface DecodeResult {
  /** Frames the decoder output. */
  decoded: number;
  width?: number;
  height?: number;
  error?: string;
}

/**
 * Decodes Annex-B H.264 access units with the browser's own decoder (WebCodecs VideoDecoder),
 * starting at a keyframe: proof that the bytes are complete pictures, not just well-formed files.
 * The page must be a secure context (an http://127.0.0.1 page is).
 */
export function decodeH264InBrowser(
  page: Page,
  accessUnits: Uint8Array[],
  codec: string,
): Promise<DecodeResult> {
  const encoded = accessUnits.map((au) => ({
    b64: Buffer.from(au).toString("base64"),
    key: isKeyframe(au, findNalUnits(au)),
  }));
  return page.evaluate(async ({ encoded, codec }) => {
    const result: DecodeResult = { decoded: 0 };
    const decoder = new VideoDecoder({
      output(frame) {
        result.decoded++;
        result.width = frame.displayWidth;
        result.height = frame.displayHeight;
        frame.close();
      },
      error(e) {
        result.error = String(e);
      },
    });
    decoder.configure({ codec, optimizeForLatency: true });
    encoded.forEach(({ b64, key }, i) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const type = key ? "key" : "delta";
      decoder.decode(new EncodedVideoChunk({ type, timestamp: i * 33_333, data }));
    });
    await decoder.flush().catch((e) => (result.error ??= String(e)));
    return result;
  }, { encoded, codec });
}

/**
 * Waits until the recordings page's video has played 1.5 s and decoded 30 frames; on a timeout
 * the error carries the page's status line and the errors it collected.
 */
export async function waitForRecordingToPlay(page: Page, errors: string[], timeoutMs: number) {
  try {
    await page.waitForFunction(
      () => {
        const video = document.querySelector("video")!;
        return video.currentTime > 1.5 && video.getVideoPlaybackQuality().totalVideoFrames > 30;
      },
      null,
      { timeout: timeoutMs },
    );
  } catch (error) {
    const status = await page.locator("#status").textContent();
    throw new Error(`${(error as Error).message}; page status: ${status}; ${errors.join("; ")}`);
  }
}
