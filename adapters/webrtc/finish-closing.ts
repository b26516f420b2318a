/**
 * For a process about to exit: waits until libdatachannel has finished closing every peer
 * connection. A connection reports "closed" before libdatachannel's teardown thread has stopped
 * its transports (the SCTP ABORT and DTLS close_notify that tell the remote peer), so a process
 * that exits at once often cuts that short, and the remote side then notices only when ICE
 * consent fails (13-30 s). Measured on `kvsrtc viewer` processes leaving a master one after
 * another (scripts/bench/soak.ts, loopback, 60 viewers per run): exiting right after close,
 * 2-5 % of the departures were seen by the master only after 13-30 s; with this wait none,
 * the master freeing the slot before the process had exited, and the wait took 7 ms (p50),
 * 16 ms at most. It blocks (libdatachannel bounds it at 10 s) and ends WebRTC in the process.
 */
import ndc from "node-datachannel";

export function finishClosing(): void {
  try {
    ndc.cleanup();
  } catch { /* its own 10 s bound passed: exiting anyway */ }
}
