/**
 * In-process master and viewers through an in-process local endpoint, over real WebRTC on
 * loopback: what the media-path integration tests and benchmarks build on.
 */
import { after } from "node:test";
import {
  type KvsTarget,
  openSignaling,
  resolveTarget,
  type SignalingSession,
} from "../../adapters/aws/mod.ts";
import type { Master } from "../../adapters/master/master.ts";
import {
  startMaster as startRunningMaster,
  type StartMasterOptions,
} from "../../adapters/master/start-master.ts";
import { openSource, type SourceSettings } from "../../adapters/media/open-source.ts";
import type { MediaSource } from "../../adapters/media/source.ts";
import { ViewerClient, type ViewerClientOptions } from "../../adapters/viewer/viewer-client.ts";
import type { Broadcast } from "../../core/media/broadcast.ts";
import { silentLog } from "../../core/log.ts";
import { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { findNalUnits } from "../../core/h264/nal-unit.ts";

export interface MasterSetup {
  target: KvsTarget;
  session: SignalingSession;
  master: Master;
  broadcast: Broadcast;
  source: MediaSource;
  stop(): Promise<void>;
}

/** A master on `endpointUrl` (default: the embedded endpoint), streaming the sample by default. */
export async function startMaster(
  channel: string,
  options: Partial<Omit<StartMasterOptions, "target" | "channel" | "source">> & {
    /** Settings to open, or a source opened already. */
    source?: SourceSettings | MediaSource;
    endpointUrl?: string;
  } = {},
): Promise<MasterSetup> {
  const { source: settings, endpointUrl, ...masterOptions } = options;
  const target = await resolveTarget(endpointUrl ? { endpointUrl, region: "us-west-2" } : {}, {});
  const running = await startRunningMaster({
    target,
    channel,
    source: settings && "start" in settings ? settings : openSource(settings ?? { fps: 30 }),
    log: silentLog,
    bindAddress: "127.0.0.1",
    ...masterOptions,
  });
  return {
    target,
    ...running,
    async stop() {
      running.stop();
      await target.close();
    },
  };
}

export interface TestViewer {
  client: ViewerClient;
  session: SignalingSession;
  timer: ConnectionTimer;
  frames: Uint8Array[];
  audio: Uint8Array[];
  messages: string[];
  close(): void;
}

/**
 * A viewer on the master's endpoint; resolves once its signaling is open (not yet connected).
 * A storageViewer is to join the storage session (its session's joinStorageSession()).
 */
export async function openViewer(
  setup: Pick<MasterSetup, "target">,
  channel: string,
  clientId: string,
  options: Pick<ViewerClientOptions, "arrivals" | "storageViewer"> = {},
): Promise<TestViewer> {
  const timer = new ConnectionTimer();
  const session = await openSignaling({
    target: setup.target,
    channel,
    role: "VIEWER",
    clientId,
    timer,
    storage: options.storageViewer,
  });
  const client = new ViewerClient({
    signaling: session.signaling,
    iceServers: session.iceServers,
    clientId,
    bindAddress: "127.0.0.1",
    timer,
    log: silentLog,
    ...options,
  });
  const viewer: TestViewer = {
    client,
    session,
    timer,
    frames: [],
    audio: [],
    messages: [],
    close() {
      client.close();
      session.close();
    },
  };
  client.on("frame", (au) => viewer.frames.push(au.data));
  client.on("audio", (p) => viewer.audio.push(p.slice()));
  client.on("message", (m) => viewer.messages.push(m));
  return viewer;
}

/**
 * Masters and viewers for one describe block, all stopped after its tests: call it inside the
 * block (it registers node:test's `after` there).
 */
export function testSessions() {
  const setups: MasterSetup[] = [];
  const viewers: TestViewer[] = [];
  after(async () => {
    for (const v of viewers) v.close();
    for (const s of setups) await s.stop();
  });
  return {
    async master(name: string, options: Parameters<typeof startMaster>[1] = {}) {
      const setup = await startMaster(name, options);
      setups.push(setup);
      return setup;
    },
    async viewer(setup: MasterSetup, name: string, id: string) {
      const v = await openViewer(setup, name, id);
      viewers.push(v);
      return v;
    },
  };
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The NAL units of an Annex-B buffer, joined as a string key (start codes dropped). */
export function nalKey(au: Uint8Array): string {
  return findNalUnits(au).map((n) =>
    Buffer.from(au.subarray(n.offset, n.offset + n.length)).toString("base64")
  ).join(",");
}

/**
 * Checks that `received` are source frames, whole and in order (looping): returns the source
 * index of the first, or throws naming the first frame that differs.
 */
export function assertSourceOrder(
  received: readonly Uint8Array[],
  source: readonly Uint8Array[],
): number {
  const keys = source.map(nalKey);
  const first = keys.indexOf(nalKey(received[0]));
  if (first === -1) throw new Error("the first frame received is not a source frame");
  received.forEach((au, i) => {
    const expected = (first + i) % source.length;
    if (nalKey(au) !== keys[expected]) {
      throw new Error(`frame ${i} received is not source frame ${expected + 1} (NAL units differ)`);
    }
  });
  return first;
}
