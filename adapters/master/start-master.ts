/**
 * The one composition of a master: a source feeding a broadcast, signaling opened as MASTER
 * (the channel created when missing), and the session manager answering every peer. The
 * `master` command, `kvsrtc metrics`, the tests and the media benchmark all start a master
 * here, so each runs the same code.
 */
import { type KvsTarget, openSignaling, type SignalingSession } from "../aws/mod.ts";
import type { OpenSignalingOptions } from "../aws/open-signaling.ts";
import { feedBroadcast, type FeedStats } from "../media/feed-broadcast.ts";
import type { MediaSource } from "../media/source.ts";
import { Broadcast } from "../../core/media/broadcast.ts";
import type { FrameRing, FrameRingOptions } from "../../core/media/frame-ring.ts";
import type { Log } from "../../core/log.ts";
import { Master, type MasterOptions } from "./master.ts";
import { PutMediaUploader, type PutMediaUploaderOptions } from "../producer/put-media-uploader.ts";

export interface StartMasterOptions
  extends Omit<MasterOptions, "signaling" | "iceServers" | "broadcast"> {
  target: KvsTarget;
  channel: string;
  /** Opened by the caller (so a bad --source fails before anything connects); started here. */
  source: MediaSource;
  ring?: FrameRingOptions;
  /** Reconnect and renewal knobs of the signaling client (tests shorten them). */
  signaling?: OpenSignalingOptions["signaling"];
  /** Also upload to a KVS stream (PutMedia), one more consumer of the same frame rings. */
  upload?: Omit<PutMediaUploaderOptions, "target" | "broadcast" | "log">;
  /** Also look up the WEBRTC endpoint, for a storage session (kvsrtc storage). */
  storage?: boolean;
}

export interface RunningMaster {
  session: SignalingSession;
  broadcast: Broadcast;
  master: Master;
  source: MediaSource;
  feed: FeedStats;
  /** The upload, when asked for: the caller stops it (it waits for acknowledgements) first. */
  uploader?: PutMediaUploader;
  /** Stops the source, every peer and signaling (the target is the caller's to close). */
  stop(): void;
}

export async function startMaster(options: StartMasterOptions): Promise<RunningMaster> {
  const { target, channel, source, ring, signaling, upload, storage, ...masterOptions } = options;
  const session = await openSignaling({
    target,
    channel,
    role: "MASTER",
    createChannel: true,
    storage,
    timer: options.timer,
    log: options.log,
    signaling,
  });
  const broadcast = new Broadcast({ ring, videoCodec: source.videoCodec });
  for (const r of [broadcast.video, broadcast.audio]) warnOnRetransmitLoss(r, options.log);
  const master = new Master({
    candidateHoldMs: candidateHoldFor(session.signalingRoundTripMs),
    ...masterOptions,
    signaling: session.signaling,
    iceServers: () => session.iceServers,
    broadcast,
  });
  const uploader = upload &&
    new PutMediaUploader({ ...upload, target, broadcast, log: options.log });
  const feed = feedBroadcast(source, broadcast, options.log);
  return {
    session,
    broadcast,
    master,
    source,
    feed,
    uploader,
    stop() {
      source.stop();
      master.stop();
      session.close();
    },
  };
}

/**
 * How long a viewer's candidates wait for our answer to reach it, where its own checks cannot
 * reach us (PeerSession.acceptsCandidates): the answer goes to the service and on to the
 * viewer, about one of our round trips to the service if the viewer is as far from it; three,
 * and at least 250 ms, leave room for a slower viewer. Measured on loopback: no cost where the
 * viewer's checks do reach us; see README, "First frame under signaling latency".
 */
function candidateHoldFor(signalingRoundTripMs: number): number {
  return Math.max(250, 3 * signalingRoundTripMs);
}

/** One warning per this many evictions: a bitrate over the cap would otherwise warn per frame. */
const lossReportEvery = 100;

/**
 * The ring's byte cap took frames still in the retransmit window: NACKs for them go unanswered.
 * Said, never silent; the holder counts them all.
 */
function warnOnRetransmitLoss(ring: FrameRing, log: Log) {
  const holder = ring.retransmitWindow;
  let reports = 0;
  holder.onLost = (lost) => {
    if (reports++ % lossReportEvery !== 0) return;
    log.warn(
      `the ${ring.kind} frame ring reached its byte cap: frames ${lost.first}-${lost.end - 1} ` +
        `left the retransmit window early (${holder.lostFrames} so far); lost packets of ` +
        `them cannot be resent`,
    );
  };
}
