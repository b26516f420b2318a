/**
 * One complete connection for `kvsrtc metrics`: a fresh master (signaling, then answering),
 * a fresh viewer (signaling, then offering), or both in this process, each with its own
 * connection timer, run until the first frame is sent (master) and received (viewer). The
 * marks are the ones the master and viewer set anyway; nothing here times anything itself.
 */
import { type KvsTarget, openSignaling } from "../aws/mod.ts";
import type { Master } from "../master/master.ts";
import { startMaster } from "../master/start-master.ts";
import { openSource } from "../media/open-source.ts";
import { ViewerClient } from "../viewer/viewer-client.ts";
import { ConnectionTimer, type PhaseTiming } from "../../core/metrics/connection-timer.ts";
import type { Side } from "../../core/metrics/records.ts";
import { type Log, silentLog } from "../../core/log.ts";

export type RunRole = Side | "both";

export interface RunConnectionOptions {
  target: KvsTarget;
  channel: string;
  role: RunRole;
  /** A run that has not sent and received its first frame by then fails. */
  timeoutMs: number;
  /** Only relayed (TURN) candidates, as RTCPeerConnection's iceTransportPolicy "relay". */
  relayOnly?: boolean;
  /** Frames the viewer must receive before the run ends (default 1: the first). */
  frames?: number;
  /** Local address for ICE (tests: 127.0.0.1). */
  bindAddress?: string;
  log?: Log;
}

export interface ConnectionRun {
  /** The viewer's client id (master only: the viewer that came). */
  clientId: string;
  master?: PhaseTiming[];
  viewer?: PhaseTiming[];
  /** Frames the viewer received. */
  framesReceived?: number;
  /** The candidate pair each side's connection used, as "address:port type <-> ...". */
  candidatePairs: Partial<Record<Side, string>>;
  /** Candidate types the viewer signaled ("host", "srflx", "relay"). */
  viewerCandidateTypes: string[];
}

const pollMs = 5;
/** How long a viewer-only run keeps its connection up after its own phases are done. */
const remoteGraceMs = 1000;

/** The run's deadline, and the first failure either side reported. */
class RunClock {
  failure?: string;
  readonly #at: number;
  readonly within: string;

  constructor(timeoutMs: number) {
    this.#at = performance.now() + timeoutMs;
    this.within = `within ${timeoutMs / 1000} s`;
  }

  /** Resolves when `done()` gives a value; rejects on a failure or at the deadline. */
  async until<T>(done: () => T | undefined, what: string | (() => string)): Promise<T> {
    for (;;) {
      const value = done();
      if (value !== undefined) return value;
      if (this.failure !== undefined) throw new Error(this.failure);
      if (performance.now() > this.#at) {
        throw new Error(`no ${typeof what === "string" ? what : what()} ${this.within}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * A side's timings once every phase has ended or said why not: after the first frame, ICE
   * gathering may still be finishing (a slow STUN or TURN server).
   */
  settled(timer: ConnectionTimer, side: Side, ended = () => false): Promise<PhaseTiming[]> {
    return this.until(() => timer.isComplete() || ended() ? timer.timings() : undefined, () => {
      const open = timer.timings().filter((t) => t.end === undefined && t.note === undefined);
      return `end of ${open.map((t) => t.phase).join(", ")} on the ${side} side`;
    });
  }
}

export async function runConnection(options: RunConnectionOptions): Promise<ConnectionRun> {
  const { target, channel, role, bindAddress, relayOnly } = options;
  const log = options.log ?? silentLog;
  const clock = new RunClock(options.timeoutMs);
  const cleanup: (() => void)[] = [];
  const viewerCandidateTypes: string[] = [];
  const firstFrameSent = new Set<string>();
  const viewersGone = new Set<string>();
  try {
    let master: Master | undefined;
    if (role !== "viewer") {
      const running = await startMaster({
        target,
        channel,
        source: openSource({ fps: 30 }),
        log,
        bindAddress,
        relayOnly,
        timer: new ConnectionTimer(),
        maxViewers: 1,
      });
      cleanup.push(() => running.stop());
      master = running.master;
      master.on("viewerLeft", (id, reason) => {
        // After its first frame a viewer may go (another process's run is over): the phases
        // still open then stay "not reached".
        if (firstFrameSent.has(id)) viewersGone.add(id);
        else clock.failure ??= `the master lost viewer ${id}: ${reason}`;
      });
    }
    let viewer: { client: ViewerClient; timer: ConnectionTimer } | undefined;
    let clientId: string;
    if (role !== "master") {
      const timer = new ConnectionTimer();
      const session = await openSignaling({ target, channel, role: "VIEWER", timer, log });
      cleanup.push(() => session.close());
      clientId = session.clientId!;
      const client = new ViewerClient({
        signaling: session.signaling,
        iceServers: session.iceServers,
        clientId,
        bindAddress,
        relayOnly,
        timer,
        log,
        connectTimeoutMs: options.timeoutMs,
      });
      client.peer.on("localCandidate", ({ candidate }) => {
        const type = /\btyp (\w+)/.exec(candidate)?.[1];
        if (type && !viewerCandidateTypes.includes(type)) viewerCandidateTypes.push(type);
      });
      client.once("closed", (reason) => {
        clock.failure ??= `viewer ${clientId} closed: ${reason}`;
      });
      cleanup.push(() => client.close());
      viewer = { client, timer };
    } else {
      clientId = await clock.until(
        () => master!.viewers.keys().next().value,
        "offer from a viewer",
      );
    }
    const run: ConnectionRun = { clientId, candidatePairs: {}, viewerCandidateTypes };
    if (master) {
      const connection = await clock.until(
        () => master!.viewers.get(clientId),
        `offer from viewer ${clientId}`,
      );
      const id = clientId;
      await clock.until(() => {
        if (connection.timer.duration("firstFrame") === undefined) return undefined;
        return firstFrameSent.add(id);
      }, `first frame sent to viewer ${id}`);
      run.master = await clock.settled(connection.timer, "master", () => viewersGone.has(id));
      run.candidatePairs.master = connection.peer.selectedCandidatePair();
    }
    if (viewer) {
      const { client, timer } = viewer;
      const frames = options.frames ?? 1;
      await clock.until(
        () => client.stats.frames >= frames ? true : undefined,
        `${frames === 1 ? "first frame" : `${frames} frames`} received by viewer ${clientId}`,
      );
      run.viewer = await clock.settled(timer, "viewer");
      // A master in another process is still timing its side (its gathering may end later).
      if (role === "viewer") await new Promise((resolve) => setTimeout(resolve, remoteGraceMs));
      run.framesReceived = client.stats.frames;
      run.candidatePairs.viewer = client.peer.selectedCandidatePair();
    }
    return run;
  } finally {
    for (const close of cleanup.reverse()) close();
  }
}
