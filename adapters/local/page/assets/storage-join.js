// The JS SDK sample's "ingest media" join (spec §4.3): once signaling is open, JoinStorageSession
// on the channel's WEBRTC endpoint; the media server's offer then comes over signaling with no
// sender. With no offer within 6 s the call is made again, after a jitter growing with each try;
// only the errors the sample retries are retried, any other ends the joining.
import { kvsCall } from "./kvs-channel.js";

const offerWaitMs = 6000;

/** ClientLimitExceeded (not for a full session), an HTTP 500, or no answer at all (fetch). */
function worthRetrying(error) {
  const message = String(error?.message ?? error);
  if (error instanceof TypeError) return true;
  return (message.includes("ClientLimitExceededException") &&
    !message.includes("maximum number of viewers connected to the session")) ||
    /: 500: /.test(message);
}

/**
 * Joins until `offered()` says the media server's offer came; `failed(error)` is told of an
 * error that ends the joining. Returns a function that stops it.
 */
export function joinStorageSession({ webrtcEndpoint, channelArn, offered, failed }) {
  let attempt = 0;
  let timer;
  const tryJoin = async () => {
    if (offered()) return;
    attempt++;
    try {
      await kvsCall(webrtcEndpoint, "/joinStorageSession", { channelArn });
    } catch (error) {
      if (!worthRetrying(error)) return failed(error);
    }
    const jitterMs = Math.min(Math.random() * 200 ** (attempt - 1), 10_000);
    timer = setTimeout(tryJoin, offerWaitMs + jitterMs);
  };
  tryJoin();
  return () => clearTimeout(timer);
}
