/**
 * One WebRTC peer connection (node-datachannel) as kvsrtc uses it on either side: ICE servers
 * from KVS, trickle ICE in KVS's candidate shape, mDNS (.local) candidates skipped (the peer is
 * then found as peer-reflexive), and the connection timer's ICE, DTLS phases marked where they
 * happen. Remote candidates are taken once the remote description is set; until then the
 * caller holds them (core/signaling/candidate-hold.ts).
 */
import { EventEmitter } from "node:events";
import ndc, { type PeerConnection } from "node-datachannel";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { type Log, silentLog } from "../../core/log.ts";
import { maxMessageBytes } from "../../core/datachannel/message-guard.ts";
import { type MediaSection, parseMediaSections } from "../../core/sdp/offer.ts";
import type { IceCandidate, IceServer } from "../aws/mod.ts";
import { toNdcIceServers } from "./ice-servers.ts";

export interface PeerOptions {
  /** For messages and libdatachannel's logs: "viewer viewer-1a2b", "master". */
  name: string;
  iceServers: readonly IceServer[];
  /** Local address for ICE sockets (tests: 127.0.0.1); default: every interface. */
  bindAddress?: string;
  /** Only relayed (TURN) candidates: RTCPeerConnection's iceTransportPolicy "relay". */
  relayOnly?: boolean;
  timer?: ConnectionTimer;
  log?: Log;
}

/** Gathering starts all three at once (host, STUN Binding, TURN Allocate). */
const gatheringPhases = [
  ["host", "gatherHostCandidates"],
  ["srflx", "gatherSrflxCandidates"],
  ["relay", "gatherRelayCandidates"],
] as const;

export type PeerState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

export interface PeerEvents {
  localCandidate: [candidate: IceCandidate];
  /** ICE found a working pair (first time only). */
  iceConnected: [];
  state: [state: PeerState];
}

export class Peer extends EventEmitter<PeerEvents> {
  readonly pc: PeerConnection;
  readonly name: string;
  state: PeerState = "new";
  readonly #log: Log;
  readonly #timer?: ConnectionTimer;
  /** The remote description's mids, by media section index. */
  #mids: string[] = [];
  /** Candidate type -> when (timer reading) the last one of that type was gathered. */
  #gathered = new Map<string, number>();
  /** Local candidates seen so far ("candidate:..." lines), and gathering's state. */
  #seen = new Set<string>();
  #gathering: "on" | "complete" | "timed" = "on";
  #iceConnected = false;
  #closed = false;
  readonly #iceServers: readonly IceServer[];
  readonly #relayOnly: boolean;

  constructor(options: PeerOptions) {
    super();
    this.name = options.name;
    this.#log = options.log ?? silentLog;
    this.#timer = options.timer;
    this.#iceServers = options.iceServers;
    this.#relayOnly = options.relayOnly ?? false;
    this.pc = new ndc.PeerConnection(options.name, {
      iceServers: toNdcIceServers(options.iceServers),
      bindAddress: options.bindAddress,
      iceTransportPolicy: options.relayOnly ? "relay" : "all",
      // Announced in our SDP (a=max-message-size): a peer's SCTP stack sends nothing bigger.
      maxMessageSize: maxMessageBytes,
    });
    const timer = this.#timer;
    this.pc.onLocalCandidate((candidate, mid) => {
      const type = /\btyp (\w+)/.exec(candidate)?.[1] ?? "host";
      this.#gathered.set(type, timer?.now() ?? 0);
      this.#seen.add(candidate.replace(/^a=/, ""));
      if (this.#gathering === "complete") this.#gatheringDone();
      const index = this.#mids.indexOf(mid);
      this.emit("localCandidate", {
        candidate: candidate.replace(/^a=/, ""),
        sdpMid: mid,
        sdpMLineIndex: index === -1 ? 0 : index,
      });
    });
    this.pc.onGatheringStateChange((state) => {
      if (state === "in-progress") {
        for (const [, phase] of gatheringPhases) timer?.start(phase);
      } else if (state === "complete") {
        this.#gathering = "complete";
        this.#gatheringDone();
      }
    });
    this.pc.onIceStateChange((state) => {
      if (state === "checking") timer?.start("findPeerToPeerConnection");
      if ((state === "connected" || state === "completed") && !this.#iceConnected) {
        this.#iceConnected = true;
        timer?.end("findPeerToPeerConnection");
        timer?.start("dtlsHandshake");
        this.emit("iceConnected");
      }
    });
    this.pc.onStateChange((state) => {
      if (state === "connected") this.#dtlsDone(); // a data-channel-only connection
      this.state = state as PeerState;
      this.#log.debug(`${this.name}: peer connection ${state}`);
      this.emit("state", this.state);
    });
  }

  /**
   * A media track opened: libdatachannel opens tracks as soon as DTLS is done, while the peer
   * connection reports "connected" only after the SCTP association of a data channel too.
   */
  trackOpened(): void {
    this.#dtlsDone();
  }

  /**
   * DTLS is done, so ICE had found its pair: the callbacks come on separate queues, and the
   * ICE one may not have arrived yet. Marks are when JavaScript hears of an event.
   */
  #dtlsDone() {
    this.#timer?.end("findPeerToPeerConnection");
    this.#timer?.start("dtlsHandshake");
    this.#timer?.end("dtlsHandshake");
  }

  /** True once the remote offer or answer is applied: remote candidates can be taken. */
  get hasRemoteDescription(): boolean {
    return this.#mids.length > 0;
  }

  /**
   * Applies the remote offer or answer; `sections` are its media sections when the caller has
   * parsed them already (the master, to answer), so the SDP is read once.
   */
  setRemoteDescription(
    description: { type: "offer" | "answer"; sdp: string },
    sections: readonly MediaSection[] = parseMediaSections(description.sdp),
  ): void {
    this.pc.setRemoteDescription(description.sdp, description.type);
    this.#mids = sections.map((s) => s.mid);
  }

  /**
   * A trickled remote candidate, after the remote description; an empty one (end of candidates)
   * and mDNS names are skipped.
   */
  addRemoteCandidate(candidate: IceCandidate): void {
    if (this.#closed || !candidate.candidate) return;
    const address = candidate.candidate.split(/\s+/)[4] ?? "";
    if (address.endsWith(".local")) {
      this.#log.debug(`${this.name}: skipped mDNS candidate ${address}`);
      return;
    }
    const mid = candidate.sdpMid ?? this.#mids[candidate.sdpMLineIndex ?? 0] ?? "0";
    try {
      this.pc.addRemoteCandidate(candidate.candidate, mid);
    } catch (error) {
      this.#log.warn(`${this.name}: ignored a remote ICE candidate: ${(error as Error).message}`);
    }
  }

  /** "127.0.0.1:5000 host <-> 127.0.0.1:6000 prflx (udp)" once connected. */
  selectedCandidatePair(): string | undefined {
    const pair = this.#closed ? null : this.pc.getSelectedCandidatePair();
    if (!pair) return undefined;
    const side = (c: { address: string; port: number; type: string }) =>
      `${c.address}:${c.port} ${c.type}`;
    return `${side(pair.local)} <-> ${side(pair.remote)} (${pair.local.transportType})`;
  }

  /** Round-trip time in ms as the SCTP transport measures it, when known. */
  roundTripMs(): number | undefined {
    const rtt = this.#closed ? -1 : this.pc.rtt();
    return rtt >= 0 ? rtt : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.pc.close();
    this.state = "closed";
  }

  /**
   * Gathering is over: each candidate type's phase ends at the last candidate of that type
   * (as the reference ends srflx/relay when its pending requests reach 0), or says why none came.
   */
  #gatheringDone() {
    const timer = this.#timer;
    if (!timer || this.#gathering === "timed") return;
    // Each callback kind reaches JavaScript on its own queue: "complete" may come before the
    // last candidates. The local description lists them all; wait until each has been seen.
    const listed = this.pc.localDescription()?.sdp.match(/^a=candidate:.*$/gm) ?? [];
    if (listed.some((line) => !this.#seen.has(line.slice(2).trim()))) return;
    this.#gathering = "timed";
    for (const [type, phase] of gatheringPhases) {
      const last = this.#gathered.get(type);
      if (last !== undefined) timer.end(phase, last);
      else timer.skip(phase, this.#noCandidateReason(type));
    }
  }

  #noCandidateReason(type: "host" | "srflx" | "relay"): string {
    if (this.#relayOnly && type !== "relay") return "relay only";
    const scheme = { host: "", srflx: "stun", relay: "turn" }[type];
    if (!scheme) return "no local address";
    const configured = this.#iceServers.some((s) =>
      s.urls.some((url) => url.toLowerCase().startsWith(scheme))
    );
    const server = type === "srflx" ? "STUN server" : "TURN server";
    return configured ? `no ${server} answered` : `no ${server}`;
  }
}
