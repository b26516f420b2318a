/**
 * Two in-process peers exchange data-channel messages over loopback: proves the embedded
 * native WebRTC addon loads and works on this machine.
 */
import ndc from "node-datachannel";

export interface SelfTestResult {
  libraryVersion: string;
  messages: number;
  roundTripMs: number;
}

export async function runSelfTest(messages = 10, timeoutMs = 15_000): Promise<SelfTestResult> {
  const offerer = new ndc.PeerConnection("self-test-offerer", { iceServers: [] });
  const answerer = new ndc.PeerConnection("self-test-answerer", { iceServers: [] });
  const started = performance.now();
  try {
    offerer.onLocalDescription((sdp, type) => answerer.setRemoteDescription(sdp, type));
    offerer.onLocalCandidate((c, mid) => answerer.addRemoteCandidate(c, mid));
    answerer.onLocalDescription((sdp, type) => offerer.setRemoteDescription(sdp, type));
    answerer.onLocalCandidate((c, mid) => offerer.addRemoteCandidate(c, mid));

    const echoed = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`self-test: no data-channel echo within ${timeoutMs} ms`)),
        timeoutMs,
      );
      answerer.onDataChannel((dc) => dc.onMessage((msg) => dc.sendMessage(`echo:${msg}`)));
      const dc = offerer.createDataChannel("self-test");
      let received = 0;
      dc.onOpen(() => {
        for (let i = 0; i < messages; i++) dc.sendMessage(`ping ${i}`);
      });
      dc.onMessage((msg) => {
        if (msg !== `echo:ping ${received}`) {
          clearTimeout(timer);
          reject(new Error(`self-test: unexpected message ${JSON.stringify(msg)}`));
          return;
        }
        if (++received === messages) {
          clearTimeout(timer);
          resolve(received);
        }
      });
    });
    const count = await echoed;
    return {
      libraryVersion: ndc.getLibraryVersion(),
      messages: count,
      roundTripMs: performance.now() - started,
    };
  } finally {
    offerer.close();
    answerer.close();
  }
}
