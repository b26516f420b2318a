/**
 * A hostile master for tests: a real WebRTC peer on a channel of the local endpoint that answers
 * a viewer's offer like a master does and then, as fast as the transport takes it, sends what
 * no camera sends: FU-A fragments of access units that never end, maximum-size packets, random
 * sequence-number jumps and timestamps, STAP-A with bogus sizes, random bytes behind a valid RTP
 * header, corrupt RTCP, a flood on the audio track, and a flood of the biggest data-channel
 * messages. It stops by itself after `floodMs` or `maxPackets`, whichever comes first.
 */
import { type KvsTarget, openSignaling, type SignalingSession } from "../../adapters/aws/mod.ts";
import { answerOffer } from "../../adapters/webrtc/answer.ts";
import type { MediaTrack } from "../../adapters/webrtc/media-track.ts";
import { Peer } from "../../adapters/webrtc/peer.ts";
import { fuA, stapA } from "../../core/rtp/h264-packetizer.ts";
import { serializeRtpPacket } from "../../core/rtp/header.ts";

/** What the flood sends; each packet picks one kind in turn. */
export type HostileKind =
  | "endlessFuA"
  | "maxSize"
  | "sequenceJumps"
  | "bogusStapA"
  | "randomPayload"
  | "corruptRtcp"
  | "audio";

export const allHostileKinds: readonly HostileKind[] = [
  "endlessFuA",
  "maxSize",
  "sequenceJumps",
  "bogusStapA",
  "randomPayload",
  "corruptRtcp",
  "audio",
];

export interface HostileMasterOptions {
  target: KvsTarget;
  channel: string;
  /** The flood ends this long after the first track opened. */
  floodMs: number;
  /** ... or after this many packets, whichever comes first. */
  maxPackets?: number;
  kinds?: readonly HostileKind[];
  /** Also flood the viewer's data channel with the biggest messages it takes. */
  dataChannelFlood?: boolean;
}

export interface HostileStats {
  packets: number;
  /** Packets the transport refused (sendMessageBinary false or throwing). */
  refused: number;
  messages: number;
  bytes: number;
}

export interface HostileMaster {
  session: SignalingSession;
  readonly stats: HostileStats;
  /** Resolves when the flood stopped by its own bounds. */
  floodEnded: Promise<void>;
  close(): void;
}

/**
 * The RTP payload of the biggest packet sent: a UDP datagram on loopback takes ~64 KiB, less
 * the RTP and SRTP headers and the authentication tag.
 */
const maxSizePayload = 65_000;
/** A payload of the size a real sender uses. */
const mtuPayload = 1_200;
/** Packets sent per macrotask: the flood yields between bursts, so its own process keeps up. */
const burst = 64;
/** libdatachannel's default maximum message size (the viewer's offer says 262144). */
const maxMessageBytes = 256 * 1024;
/** The data channel's send buffer is topped up to this, no more (our own memory). */
const maxBufferedMessageBytes = 4 * 1024 * 1024;

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  // getRandomValues takes at most 65536 bytes at a time.
  for (let at = 0; at < n; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(n, at + 65536)));
  }
  return bytes;
}

const randomInt = (below: number) => Math.floor(Math.random() * below);

/** Makes the packets of each kind; state (sequence numbers, the endless frame) lives here. */
class HostilePackets {
  readonly #videoSsrc: number;
  readonly #audioSsrc: number;
  readonly #videoPt: number;
  readonly #audioPt: number;
  #seq = randomInt(65536);
  #audioSeq = randomInt(65536);
  #timestamp = randomInt(2 ** 32);
  readonly #noise = randomBytes(maxSizePayload);

  constructor(video: MediaTrack, audio: MediaTrack | undefined, ssrcs: [number, number]) {
    [this.#videoSsrc, this.#audioSsrc] = ssrcs;
    this.#videoPt = video.payloadType;
    this.#audioPt = audio?.payloadType ?? 111;
  }

  make(kind: HostileKind): { track: "video" | "audio"; packet: Uint8Array } {
    switch (kind) {
      case "endlessFuA": {
        // One IDR slice's fragments: a start, then middles forever, never an end bit.
        const payload = this.#noise.slice(0, mtuPayload);
        payload[0] = 0x60 | fuA;
        payload[1] = (this.#seq % 1000 === 0 ? 0x80 : 0) | 5;
        return { track: "video", packet: this.#video(payload, this.#timestamp, false) };
      }
      case "maxSize": {
        const payload = this.#noise.subarray(0, maxSizePayload);
        payload[0] = 0x60 | fuA;
        payload[1] = 0x80 | 5; // a start fragment every time
        return { track: "video", packet: this.#video(payload, this.#timestamp, false) };
      }
      case "sequenceJumps": {
        // A whole keyframe NAL in one packet, marker set: a complete frame, if anything is.
        this.#seq = (this.#seq + 1 + randomInt(30_000)) & 0xffff;
        const payload = this.#noise.slice(0, 1 + randomInt(mtuPayload));
        payload[0] = 0x65;
        return { track: "video", packet: this.#video(payload, randomInt(2 ** 32), true) };
      }
      case "bogusStapA": {
        const payload = this.#noise.slice(0, 64 + randomInt(mtuPayload));
        payload[0] = 0x60 | stapA;
        payload[1] = 0xff; // a first NAL unit size far past the payload
        payload[2] = 0xff;
        return { track: "video", packet: this.#video(payload, this.#timestamp++, true) };
      }
      case "randomPayload": {
        const payload = this.#noise.slice(randomInt(1000), randomInt(1000) + 1 + randomInt(1200));
        return {
          track: "video",
          packet: this.#video(payload, randomInt(2 ** 32), Math.random() < 0.5),
        };
      }
      case "corruptRtcp": {
        // Looks like RTCP (payload type 200-206) with a length that lies.
        const packet = this.#noise.slice(0, 8 + randomInt(1200));
        packet[0] = 0x80 | randomInt(32);
        packet[1] = 200 + randomInt(7);
        packet[2] = 0xff;
        packet[3] = 0xff;
        return { track: Math.random() < 0.5 ? "video" : "audio", packet };
      }
      case "audio": {
        const packet = serializeRtpPacket({
          marker: false,
          payloadType: this.#audioPt,
          sequenceNumber: this.#audioSeq = (this.#audioSeq + 1 + randomInt(3)) & 0xffff,
          timestamp: randomInt(2 ** 32),
          ssrc: this.#audioSsrc,
          payload: this.#noise.subarray(
            0,
            Math.random() < 0.5 ? maxSizePayload : 1 + randomInt(1275),
          ),
        });
        return { track: "audio", packet };
      }
    }
  }

  #video(payload: Uint8Array, timestamp: number, marker: boolean): Uint8Array {
    this.#seq = (this.#seq + 1) & 0xffff;
    return serializeRtpPacket({
      marker,
      payloadType: this.#videoPt,
      sequenceNumber: this.#seq,
      timestamp,
      ssrc: this.#videoSsrc,
      payload,
    });
  }
}

/** Opens the channel as its master and floods the first viewer that offers. */
export async function startHostileMaster(options: HostileMasterOptions): Promise<HostileMaster> {
  const session = await openSignaling({
    target: options.target,
    channel: options.channel,
    role: "MASTER",
    createChannel: true,
  });
  const kinds = options.kinds ?? allHostileKinds;
  const maxPackets = options.maxPackets ?? Infinity;
  const stats: HostileStats = { packets: 0, refused: 0, messages: 0, bytes: 0 };
  const peers: Peer[] = [];
  let messageTimer: ReturnType<typeof setTimeout> | undefined;
  let floodOver = false;
  let closed = false;
  let endFlood!: () => void;
  const floodEnded = new Promise<void>((resolve) => (endFlood = resolve));
  floodEnded.then(() => (floodOver = true));
  let floodStarted = false;

  const flood = (
    tracks: Record<"video" | "audio", MediaTrack | undefined>,
    packets: HostilePackets,
  ) => {
    if (floodStarted) return;
    floodStarted = true;
    const until = performance.now() + options.floodMs;
    let turn = 0;
    const step = () => {
      if (closed || performance.now() > until || stats.packets >= maxPackets) return endFlood();
      for (let i = 0; i < burst && stats.packets < maxPackets; i++) {
        const { track, packet } = packets.make(kinds[turn++ % kinds.length]);
        stats.packets++;
        stats.bytes += packet.length;
        if (!tracks[track]?.send(packet)) stats.refused++;
      }
      setImmediate(step);
    };
    step();
  };

  session.signaling.on("sdpOffer", (offer, clientId) => {
    if (closed || peers.length > 0) return;
    const peer = new Peer({
      name: "hostile master",
      iceServers: session.iceServers,
      bindAddress: "127.0.0.1",
    });
    peers.push(peer);
    const ssrcs: [number, number] = [1 + randomInt(2 ** 31), 1 + randomInt(2 ** 31)];
    peer.on("localCandidate", (c) => session.signaling.sendIceCandidate(c, clientId));
    session.signaling.on("iceCandidate", (c, from) => {
      if (from === clientId) peer.addRemoteCandidate(c);
    });
    if (options.dataChannelFlood) {
      peer.pc.onDataChannel((dc) => {
        // The biggest the viewer takes (what its SDP announced), however big our own bound.
        const message = randomBytes(Math.min(maxMessageBytes, dc.maxMessageSize()));
        const top = () => {
          if (closed || floodOver) return;
          try {
            while (dc.isOpen() && dc.bufferedAmount() < maxBufferedMessageBytes) {
              if (!dc.sendMessageBinary(message as Buffer)) break;
              stats.messages++;
            }
          } catch { /* closed under us */ }
          messageTimer = setTimeout(top, 1);
        };
        top();
      });
    }
    const { answer, video, audio } = answerOffer(peer, offer, {
      video: { codec: "h264", profileLevelId: "42e01f" },
      videoSsrc: ssrcs[0],
      audioSsrc: ssrcs[1],
      cname: "hostile",
    });
    session.signaling.sendSdpAnswer(answer, clientId);
    if (!video) throw new Error("the viewer's offer had no video");
    const packets = new HostilePackets(video, audio, ssrcs);
    video.onOpen(() => flood({ video, audio }, packets));
  });

  return {
    session,
    stats,
    floodEnded,
    close() {
      if (closed) return;
      closed = true;
      endFlood();
      floodOver = true;
      clearTimeout(messageTimer);
      for (const p of peers) p.close();
      session.close();
    },
  };
}
