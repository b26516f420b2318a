/**
 * First frame under signaling latency, on loopback: the local endpoint delivers every relayed
 * signaling message D ms late (one way; `kvsrtc serve --test-signaling-delay-ms`), and each cell
 * runs `runs` connections one after another, printing p50/p95 of the DTLS phase and of offer ->
 * first frame:
 *   viewers {kvsrtc viewer (candidates after the answer), kvsrtc viewer --trickle-early,
 *   headless Chromium with the viewer page} x D {0, 50, 150} against kvsrtc master; and
 *   kvsrtc viewer against the Chromium master page at D {0, 150}.
 * DTLS is timed by the kvsrtc side of each connection (ICE connected -> DTLS done, the marks
 * `kvsrtc metrics` prints); offer -> first frame by the viewer (the page: making the offer ->
 * the first picture shown). A DTLS record dropped by a peer costs its 1 s retransmission, so a
 * run near 1 s is the race this bench exists to catch.   bun scripts/bench/first-frame.ts --help
 * (--compare runs Chromium as viewer with the page before and after its first-frame change,
 * run by run in turn, so both see the same load.)
 *
 * The browser comes from tests/helpers/chromium.ts: the one place that knows how to launch
 * Debian's Chromium with the flags that work here.
 */
import { openSignaling, resolveTarget } from "../../adapters/aws/mod.ts";
import { type LocalEndpoint, startLocalEndpoint } from "../../adapters/local/mod.ts";
import { viewerPageUrl } from "../../adapters/local/page/routes.ts";
import { startMaster } from "../../adapters/master/start-master.ts";
import { openSource } from "../../adapters/media/open-source.ts";
import { ViewerClient } from "../../adapters/viewer/viewer-client.ts";
import { silentLog } from "../../core/log.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { type Chromium, launchChromium, openBrowserMaster } from "../../tests/helpers/chromium.ts";

const usage = `usage: bun scripts/bench/first-frame.ts [RUNS] [--compare] [--chromium-only]
  RUNS             connections per cell (default 20)
  --compare        Chromium as viewer twice, run by run in turn: "before" (the viewer page
                   with Chromium's default bundle policy) and "after" (the page as it is)
  --chromium-only  only the cells with Chromium in them`;
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(usage);
  process.exit(0);
}
const unknown = args.find((a) =>
  a.startsWith("-") && !["--compare", "--chromium-only"].includes(a)
);
const runs = Number(args.find((a) => !a.startsWith("-")) ?? 20);
if (unknown || !Number.isInteger(runs) || runs < 1) {
  console.error(
    unknown ? `unknown option ${unknown}\n${usage}` : `RUNS must be a whole number\n${usage}`,
  );
  process.exit(2);
}
const compare = args.includes("--compare");
const chromiumOnly = args.includes("--chromium-only");
const timeoutMs = 15_000;

/** One way of running the viewer page: as it is, or (with --compare) as it was. */
interface Variant {
  label: string;
  /** Run in the viewer page before its own script (empty: the page as it is). */
  pageScript: string;
}
const after: Variant = { label: "", pageScript: "" };
const before: Variant = {
  label: " before",
  // The page before it asked for max-bundle: Chromium's default policy.
  pageScript: `{
    const Original = RTCPeerConnection;
    globalThis.RTCPeerConnection = class extends Original {
      constructor(config) { super({ ...config, bundlePolicy: "balanced" }); }
    };
  }`,
};
const variants = compare ? [before, { ...after, label: " after" }] : [after];

interface Sample {
  dtlsMs: number;
  firstFrameMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** One kvsrtc viewer connection: its own timer gives DTLS and offer -> first frame. */
async function kvsrtcViewer(endpoint: LocalEndpoint, channel: string, trickleEarly: boolean) {
  const target = await resolveTarget({ endpointUrl: endpoint.url, region: endpoint.region }, {});
  const timer = new ConnectionTimer();
  const session = await openSignaling({ target, channel, role: "VIEWER", timer });
  // The phases before the offer are the signaling set-up's; the clock of interest starts here.
  const client = new ViewerClient({
    signaling: session.signaling,
    iceServers: session.iceServers,
    clientId: session.clientId!,
    bindAddress: "127.0.0.1",
    timer,
    log: silentLog,
    trickleEarly,
  });
  try {
    await until(() => client.stats.frames > 0 ? true : undefined, "first frame");
    return {
      clientId: session.clientId!,
      dtlsMs: timer.duration("dtlsHandshake")!,
      firstFrameMs: timer.duration("firstFrame")!,
    };
  } finally {
    client.close();
    session.close();
    await target.close();
  }
}

async function againstKvsrtcMaster(delayMs: number, browser: Chromium) {
  const endpoint = await startLocalEndpoint({ testSignalingDelayMs: delayMs });
  const target = await resolveTarget({ endpointUrl: endpoint.url, region: endpoint.region }, {});
  const channel = `first-frame-${delayMs}`;
  const running = await startMaster({
    target,
    channel,
    source: openSource({ fps: 30 }),
    log: silentLog,
    bindAddress: "127.0.0.1",
    // A closed page's connection lingers at the master until ICE gives up on it: room for all.
    maxViewers: runs * variants.length + 10,
  });
  const master = running.master;
  // The session is taken when it is made: it may be gone from master.viewers once its viewer left.
  const masterDtls = (clientId: string) => {
    const session = master.viewers.get(clientId)!;
    return until(() => session.timer.duration("dtlsHandshake"), "master DTLS");
  };
  const gone = (clientId: string) =>
    until(() => master.viewers.has(clientId) ? undefined : true, "viewer gone at the master");
  const cells: Record<string, Sample[]> = {};
  const pageSteps: Record<string, PageTiming[]> = {};
  const kvsrtcCells = chromiumOnly
    ? []
    : [["kvsrtc", false], ["kvsrtc --trickle-early", true]] as const;
  try {
    for (const [name, early] of kvsrtcCells) {
      cells[name] = [];
      for (let i = 0; i < runs; i++) {
        let dtls: Promise<number> | undefined;
        const onJoined = (id: string) => (dtls = masterDtls(id));
        master.once("viewerJoined", onJoined);
        const run = await kvsrtcViewer(endpoint, channel, early);
        cells[name].push({ dtlsMs: await dtls!, firstFrameMs: run.firstFrameMs });
        await gone(run.clientId);
      }
    }
    for (const v of variants) [cells[`Chromium${v.label}`], pageSteps[v.label]] = [[], []];
    for (let i = 0; i < runs * variants.length; i++) {
      const variant = variants[i % variants.length];
      let joined: string | undefined;
      master.once("viewerJoined", (id) => (joined = id));
      const page = await browser.context.newPage();
      if (variant.pageScript) await page.addInitScript(variant.pageScript);
      await page.goto(viewerPageUrl(endpoint.url, channel));
      const timing = await page.waitForFunction(
        () => {
          const t = globalThis.kvsrtcViewer?.timing;
          return t?.firstFrameAt !== undefined ? t : undefined;
        },
        null,
        { timeout: timeoutMs },
      ).then((h) => h.jsonValue() as Promise<PageTiming>);
      const id = await until(() => joined, "the page's offer");
      cells[`Chromium${variant.label}`].push({
        dtlsMs: await masterDtls(id),
        firstFrameMs: timing.firstFrameAt - timing.offerAt,
      });
      pageSteps[variant.label].push(timing);
      await page.close();
    }
  } finally {
    running.stop();
    await target.close();
    await endpoint.stop({ graceMs: 0 });
  }
  return { cells, pageSteps };
}

/** The viewer page's own timing of its steps (adapters/local/page/assets/viewer.js). */
interface PageTiming {
  offerAt: number;
  answerAt: number;
  answerAppliedAt: number;
  connectedAt: number;
  firstFrameReceivedAt: number;
  firstFramePresentedAt: number;
  firstFrameAt: number;
}

/** Where the page's first picture spends its time: each step's p50 from making the offer. */
function pageStepsRow(delayMs: number, label: string, steps: PageTiming[]) {
  const p50 = (key: keyof PageTiming) =>
    percentile(steps.map((t) => t[key] - t.offerAt), 50).toFixed(0);
  console.log(
    `    Chromium page${label} at D ${delayMs} ms, p50 from making the offer: answer ` +
      `${p50("answerAt")}, applied ${p50("answerAppliedAt")}, ` +
      `connected ${p50("connectedAt")}, first picture's last packet ` +
      `${p50("firstFrameReceivedAt")}, presented ${p50("firstFramePresentedAt")}, page told ` +
      `${p50("firstFrameAt")}`,
  );
}

async function againstChromiumMaster(delayMs: number, browser: Chromium) {
  const endpoint = await startLocalEndpoint({ testSignalingDelayMs: delayMs });
  const channel = `chromium-master-${delayMs}`;
  const page = await openBrowserMaster(browser, endpoint.url, channel);
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const run = await kvsrtcViewer(endpoint, channel, false);
      samples.push({ dtlsMs: run.dtlsMs, firstFrameMs: run.firstFrameMs });
      await sleep(100); // the page closes the departed viewer's peer connection
    }
  } finally {
    await page.close();
    await endpoint.stop({ graceMs: 0 });
  }
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function row(viewer: string, master: string, delayMs: number, samples: Sample[]) {
  const ms = (v: number) => v.toFixed(0).padStart(5);
  const dtls = samples.map((s) => s.dtlsMs);
  const first = samples.map((s) => s.firstFrameMs);
  const slow = dtls.filter((v) => v > 500).length;
  console.log(
    `  ${viewer.padEnd(24)} ${master.padEnd(16)} ${String(delayMs).padStart(4)} ms   ` +
      `${ms(percentile(dtls, 50))} ${ms(percentile(dtls, 95))} ${ms(Math.max(...dtls))}   ` +
      `${ms(percentile(first, 50))} ${ms(percentile(first, 95))}   ${slow}`,
  );
}

const browser = await launchChromium({ fakeMedia: true });
try {
  console.log(`first frame under one-way signaling delay D, ${runs} runs a cell (ms)`);
  console.log(
    `  ${"viewer".padEnd(24)} ${"master".padEnd(16)} ${"D".padStart(4)}      ` +
      `DTLS p50   p95   max   offer->frame p50 p95   DTLS > 500 ms`,
  );
  for (const delayMs of [0, 50, 150]) {
    const { cells, pageSteps } = await againstKvsrtcMaster(delayMs, browser);
    for (const [viewer, samples] of Object.entries(cells)) {
      row(viewer, "kvsrtc master", delayMs, samples);
    }
    for (const [label, steps] of Object.entries(pageSteps)) pageStepsRow(delayMs, label, steps);
  }
  for (const delayMs of [0, 150]) {
    row("kvsrtc", "Chromium page", delayMs, await againstChromiumMaster(delayMs, browser));
  }
} finally {
  await browser.close();
}
process.exit(0);
