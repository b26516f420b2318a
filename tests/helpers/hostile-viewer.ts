/**
 * A hostile viewer for tests: a real WebRTC peer that offers to a master through signaling, as
 * `kvsrtc viewer` does, and once connected floods it with the biggest data-channel messages it
 * takes and with RTCP (NACKs for everything, PLIs, corrupt packets) on both tracks, as fast as
 * the transport takes them, reading nothing it is sent. It stops by itself after `floodMs`.
 */
import { type KvsTarget, openSignaling, type SignalingSession } from "../../adapters/aws/mod.ts";
import type { MediaTrack } from "../../adapters/webrtc/media-track.ts";
import { makeViewerOffer } from "../../adapters/webrtc/offer.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import { buildNack } from "../../core/rtcp/nack.ts";
import { buildPli } from "../../core/rtcp/pli.ts";

export interface HostileViewer {
  session: SignalingSession;
  readonly stats: { rtcp: number; messages: number };
  /** Resolves once the peer connection is up. */
  connected: Promise<void>;
  close(): void;
}

/** libdatachannel's default maximum message size. */
const maxMessageBytes = 256 * 1024;
/** Our own send buffer is topped up to this, no more. */
const maxBufferedMessageBytes = 4 * 1024 * 1024;
/** RTCP packets sent per macrotask. */
const burst = 32;

export async function startHostileViewer(options: {
  target: KvsTarget;
  channel: string;
  clientId: string;
  floodMs: number;
}): Promise<HostileViewer> {
  const session = await openSignaling({
    target: options.target,
    channel: options.channel,
    role: "VIEWER",
    clientId: options.clientId,
  });
  const peer = new Peer({
    name: "hostile viewer",
    iceServers: session.iceServers,
    bindAddress: "127.0.0.1",
  });
  const offer = makeViewerOffer(peer);
  const stats = { rtcp: 0, messages: 0 };
  let closed = false;
  let until = Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const over = () => closed || performance.now() > until;

  /** The master's SSRCs, from its answer: the NACKs and PLIs name them. */
  let masterSsrcs = [0];
  const early: Parameters<SignalingSession["signaling"]["sendIceCandidate"]>[0][] = [];
  session.signaling.on("sdpAnswer", (answer) => {
    if (peer.hasRemoteDescription) return;
    peer.setRemoteDescription(answer);
    masterSsrcs = [...answer.sdp.matchAll(/^a=ssrc:(\d+)/gm)].map((m) => Number(m[1]));
    for (const c of early) session.signaling.sendIceCandidate(c);
    early.length = 0;
  });
  session.signaling.on("iceCandidate", (c) => peer.addRemoteCandidate(c));
  peer.on("localCandidate", (c) => {
    if (peer.hasRemoteDescription) session.signaling.sendIceCandidate(c);
    else early.push(c);
  });

  let message: Uint8Array | undefined;
  const rtcpFlood = (tracks: MediaTrack[]) => {
    const step = () => {
      if (over()) return;
      const mediaSsrc = masterSsrcs[Math.floor(Math.random() * masterSsrcs.length)];
      for (let i = 0; i < burst; i++) {
        const track = tracks[i % tracks.length];
        const first = Math.floor(Math.random() * 65536);
        const packet = [
          buildNack({
            senderSsrc: 1,
            mediaSsrc,
            sequenceNumbers: Array.from({ length: 17 * 16 }, (_, n) => (first + n) & 0xffff),
          }),
          buildPli({ senderSsrc: 1, mediaSsrc }),
          crypto.getRandomValues(new Uint8Array(200)).fill(0x81, 0, 1).fill(205, 1, 2),
        ][i % 3];
        track.send(packet);
        stats.rtcp++;
      }
      setImmediate(step);
    };
    step();
  };
  const messageFlood = () => {
    if (over()) return;
    // The biggest the master takes (what its SDP announced), however big our own bound.
    message ??= new Uint8Array(Math.min(maxMessageBytes, offer.dataChannel!.maxMessageSize()));
    try {
      while (
        offer.dataChannel!.isOpen() && offer.dataChannel!.bufferedAmount() < maxBufferedMessageBytes
      ) {
        if (!offer.dataChannel!.sendMessageBinary(message as Buffer)) break;
        stats.messages++;
      }
    } catch { /* closed under us */ }
    timer = setTimeout(messageFlood, 1);
  };

  const connected = new Promise<void>((resolve, reject) => {
    peer.on("state", (state) => {
      if (state === "connected") resolve();
      if (state === "failed" || state === "closed") reject(new Error(`hostile viewer: ${state}`));
    });
  });
  connected.then(() => {
    until = performance.now() + options.floodMs;
    rtcpFlood([offer.video, offer.audio]);
    messageFlood();
  }, () => {});
  session.signaling.sendSdpOffer(offer.offer);

  return {
    session,
    stats,
    connected,
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      peer.close();
      session.close();
    },
  };
}
