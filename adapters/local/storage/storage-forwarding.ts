/**
 * The storage session's media server forwarding the master's media to the viewers that joined
 * the session (JoinStorageSessionAsViewer, spec §4.2): what the storage peer receives is pushed
 * into a broadcast (the frame rings kvsrtc's master sends from, timed by arrival as the
 * recording is), and each joined viewer gets a PeerSession that offers to it through the relay
 * (a FORWARD client, so its messages carry no senderClientId) and sends from those rings with
 * the master's own send chain (packetizer, NACK responder, keyframe handler, pacer). A viewer
 * that joins again replaces its session; all end with the storage session.
 */
import { Broadcast } from "../../../core/media/broadcast.ts";
import type { SignalingRelay } from "../../../core/local-endpoint/signaling-relay.ts";
import type { Log } from "../../../core/log.ts";
import { ArrivalClock } from "../../../core/storage/arrival-clock.ts";
import type { IceServer } from "../../aws/mod.ts";
import { PeerSession } from "../../master/peer-session.ts";
import { RelaySignaling } from "./relay-signaling.ts";

export interface StorageForwardingOptions {
  relay: SignalingRelay;
  channel: { arn: string; messageTtlSeconds: number };
  iceServers: readonly IceServer[];
  bindAddress?: string;
  log: Log;
}

/** How long a joined viewer has to answer and connect, as the master gives a viewer. */
const forwardConnectTimeoutMs = 30_000;

export class StorageForwarding {
  readonly broadcast = new Broadcast();
  readonly #o: StorageForwardingOptions;
  readonly #clocks = { video: new ArrivalClock(90_000), audio: new ArrivalClock(48_000) };
  readonly #viewers = new Map<string, PeerSession>();

  constructor(options: StorageForwardingOptions) {
    this.#o = options;
  }

  /** Viewers being forwarded to. */
  get viewerCount(): number {
    return this.#viewers.size;
  }

  video(accessUnit: Uint8Array, rtpTimestamp: number): void {
    const wallMs = this.#clocks.video.wallMs(rtpTimestamp, Date.now());
    this.broadcast.pushVideo(accessUnit, Math.round(wallMs * 1000));
  }

  audio(packet: Uint8Array, rtpTimestamp: number): void {
    const wallMs = this.#clocks.audio.wallMs(rtpTimestamp, Date.now());
    this.broadcast.pushAudio(packet, Math.round(wallMs * 1000));
  }

  /** The viewer `clientId` joined: offer it the session's media. */
  join(clientId: string): void {
    const { relay, channel, iceServers, bindAddress, log } = this.#o;
    this.#viewers.get(clientId)?.close("it joined the storage session again");
    const signaling = new RelaySignaling(relay.admit(channel, "FORWARD", clientId));
    const session = new PeerSession({
      identity: { kind: "viewer", clientId },
      broadcast: this.broadcast,
      iceServers,
      bindAddress,
      log,
      sendDescription: (offer) => signaling.sendSdpOffer(offer),
      sendCandidate: (candidate) => signaling.sendIceCandidate(candidate),
      connectTimeoutMs: forwardConnectTimeoutMs,
      candidateHoldMs: 0,
      adaptation: false,
    });
    signaling.on("sdpAnswer", (answer) => {
      try {
        session.applyAnswer(answer);
      } catch (error) {
        session.close(`its answer could not be applied: ${(error as Error).message}`);
      }
    });
    // The relay keeps order: the viewer's candidates follow its answer.
    signaling.on("iceCandidate", (candidate) => {
      if (session.acceptsCandidates) session.addRemoteCandidate(candidate);
    });
    signaling.once("closed", () => session.close("its signaling closed"));
    session.once("closed", (reason) => {
      if (this.#viewers.get(clientId) === session) this.#viewers.delete(clientId);
      signaling.close();
      log.info(`storage session of ${channel.arn}: viewer ${clientId} left: ${reason}`);
    });
    this.#viewers.set(clientId, session);
  }

  end(reason: string): void {
    for (const session of [...this.#viewers.values()]) session.close(reason);
  }
}
