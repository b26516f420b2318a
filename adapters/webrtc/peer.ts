/**
 * One WebRTC peer connection (node-datachannel) as kvsrtc uses it on either side: ICE servers
 * from KVS, trickle ICE in KVS's candidate shape, remote candidates held until the remote
 * description is set, mDNS (.local) candidates skipped (the peer is then found as
 * peer-reflexive), and the connection timer's ICE, DTLS phases marked where they happen.
 */
import { EventEmitter } from "node:events";
import ndc, { type PeerConnection } from "node-datachannel";
import type { ConnectionTimer } from "../../core/metrics/connection-timer.ts";
import { type Log, silentLog } from "../../core/log.ts";
import type { IceCandidate, IceServer } from "../aws/mod.ts";
import { toNdcIceServers } from "./ice-servers.ts";

export interface PeerOptions {
  /** For messages and libdatachannel's logs: "viewer viewer-1a2b", "master". */
  name: string;
  iceServers: readonly IceServer[];
  /** Local address for ICE sockets (tests: 127.0.0.1); default: every interface. */
  bindAddress?: string;
  timer?: ConnectionTimer;
  log?: Log;
}

export type PeerState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

export interface PeerEvents {
  localCandidate: [candidate: IceCandidate];
  state: [state: PeerState];
}

export class Peer extends EventEmitter<PeerEvents> {
  readonly pc: PeerConnection;
  readonly name: string;
  state: PeerState = "new";
  readonly #log: Log;
  readonly #timer?: ConnectionTimer;
  #pending: IceCandidate[] | undefined = [];
  #mids: string[] = [];
  #gathered = new Set<string>();
  #closed = false;

  constructor(options: PeerOptions) {
    super();
    this.name = options.name;
    this.#log = options.log ?? silentLog;
    this.#timer = options.timer;
    this.pc = new ndc.PeerConnection(options.name, {
      iceServers: toNdcIceServers(options.iceServers),
      bindAddress: options.bindAddress,
    });
    const timer = this.#timer;
    this.pc.onLocalCandidate((candidate, mid) => {
      const type = /\btyp (\w+)/.exec(candidate)?.[1] ?? "host";
      this.#gathered.add(type);
      if (type !== "host") timer?.end("gatherHostCandidates");
      const index = this.#mids.indexOf(mid);
      this.emit("localCandidate", {
        candidate: candidate.replace(/^a=/, ""),
        sdpMid: mid,
        sdpMLineIndex: index === -1 ? 0 : index,
      });
    });
    this.pc.onGatheringStateChange((state) => {
      if (state === "in-progress") {
        timer?.start("gatherHostCandidates");
        timer?.start("gatherSrflxCandidates");
        timer?.start("gatherRelayCandidates");
      } else if (state === "complete") this.#gatheringDone();
    });
    this.pc.onIceStateChange((state) => {
      if (state === "checking") timer?.start("findPeerToPeerConnection");
      if (state === "connected" || state === "completed") {
        timer?.end("findPeerToPeerConnection");
        timer?.start("dtlsHandshake");
      }
    });
    this.pc.onStateChange((state) => {
      if (state === "connected") timer?.end("dtlsHandshake");
      this.state = state as PeerState;
      this.#log.debug(`${this.name}: peer connection ${state}`);
      this.emit("state", this.state);
    });
  }

  /** Applies the remote offer or answer, then any candidates that arrived before it. */
  setRemoteDescription(description: { type: "offer" | "answer"; sdp: string }): void {
    this.pc.setRemoteDescription(description.sdp, description.type);
    this.#mids = [...description.sdp.matchAll(/^a=mid:(\S+)/gm)].map((m) => m[1]);
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    for (const c of pending) this.addRemoteCandidate(c);
  }

  /** A trickled remote candidate; an empty one (end of candidates) and mDNS names are skipped. */
  addRemoteCandidate(candidate: IceCandidate): void {
    if (this.#closed || !candidate.candidate) return;
    if (this.#pending) {
      this.#pending.push(candidate);
      return;
    }
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
    this.#pending = undefined;
    this.pc.close();
    this.state = "closed";
  }

  #gatheringDone() {
    const timer = this.#timer;
    if (!timer) return;
    timer.end("gatherHostCandidates");
    for (
      const [type, phase] of [["srflx", "gatherSrflxCandidates"], [
        "relay",
        "gatherRelayCandidates",
      ]] as const
    ) {
      if (this.#gathered.has(type)) timer.end(phase);
      else {timer.skip(
          phase,
          `no ${type} candidate (${
            type === "srflx" ? "no STUN server answered" : "no TURN server"
          })`,
        );}
    }
  }
}
