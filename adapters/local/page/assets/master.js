// The browser master page: `?channel=NAME` connects to that channel (created if need be) as
// MASTER (KVS signaling through the official JS SDK), answers every viewer's offer with this
// browser's camera and microphone, and echoes each data-channel message back to its sender. It
// lets a real browser stack be the far end of `kvsrtc viewer`. With `&ingest-media=true` (the JS
// SDK sample's "ingest media" checkbox) it also joins the channel's storage session, and answers
// the media server's offer (it has no sender client id) as it answers a viewer's. The state is
// mirrored on window.kvsrtcMaster.
import { prepareSignaling, readStats } from "./kvs-channel.js";
import { joinStorageSession } from "./storage-join.js";

const $ = (id) => document.getElementById(id);
/** @type {Map<string, RTCPeerConnection>} viewer client id (or storageSession) -> peer */
const peers = new Map();
/** The storage session's media server in `peers`: no viewer id has a space. */
const storageSession = "storage session";
/** Messages from the media server carry no sender client id. */
const peerKey = (viewerId) => viewerId ?? storageSession;
const state = { status: "idle", error: undefined, viewers: {}, received: [] };
globalThis.kvsrtcMaster = state;

function setStatus(status, error) {
  state.status = status;
  state.error = error?.message ?? error;
  $("status").textContent = state.error ? `${status}: ${state.error}` : status;
  $("status").classList.toggle("error", Boolean(error));
}

function showViewers() {
  $("viewers").replaceChildren(
    ...Object.entries(state.viewers).map(([id, v]) => {
      const item = document.createElement("li");
      item.textContent = `${id}: ${v.connectionState}, ${v.framesSent ?? 0} frames sent` +
        (v.codec ? ` (${v.codec})` : "") +
        (v.sendEstimateBps ? `, estimate ${(v.sendEstimateBps / 1e6).toFixed(2)} Mbit/s` : "");
      return item;
    }),
  );
}

function echo(channel, viewerId) {
  channel.onmessage = ({ data }) => {
    const text = typeof data === "string" ? data : `${data.byteLength ?? data.size} bytes`;
    state.received.push({ from: viewerId, text });
    const item = document.createElement("li");
    item.textContent = `${viewerId}: ${text}`;
    $("messages").append(item);
    channel.send(data);
  };
}

/**
 * Send H.264 when the viewer offers it, as a KVS camera does. Chromium picks its send codec from
 * the offer's order, so the answer's codec preferences alone are not enough: the sender's
 * encoding is pinned to H.264 as well.
 */
function preferH264(pc) {
  const h264 = (RTCRtpReceiver.getCapabilities("video")?.codecs ?? [])
    .filter((c) => c.mimeType === "video/H264" || c.mimeType === "video/rtx");
  const offered = pc.remoteDescription.sdp.includes(" H264/90000");
  for (const transceiver of pc.getTransceivers()) {
    if (offered && transceiver.receiver.track.kind === "video") {
      transceiver.setCodecPreferences(h264);
    }
  }
}

async function sendH264(pc) {
  for (const sender of pc.getSenders()) {
    if (sender.track?.kind !== "video") continue;
    const parameters = sender.getParameters();
    const codec = parameters.codecs.find((c) => c.mimeType === "video/H264");
    if (!codec) continue;
    for (const encoding of parameters.encodings) encoding.codec = codec;
    await sender.setParameters(parameters);
  }
}

/**
 * Answers a viewer's offer, or the media server's (viewerId undefined): to it the answer and
 * candidates go with no recipient, the answer with a correlation id so a refusal comes back as
 * a status response. `closed` is told when the connection fails or closes.
 */
async function answer(signalingClient, iceServers, stream, offer, viewerId, closed) {
  const key = peerKey(viewerId);
  peers.get(key)?.close();
  const pc = new RTCPeerConnection({ iceServers });
  peers.set(key, pc);
  state.viewers[key] = { connectionState: pc.connectionState };
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.ondatachannel = ({ channel }) => echo(channel, key);
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) signalingClient.sendIceCandidate(candidate, viewerId);
  };
  pc.onconnectionstatechange = () => {
    state.viewers[key].connectionState = pc.connectionState;
    showViewers();
    if (["failed", "closed"].includes(pc.connectionState) && peers.get(key) === pc) closed?.();
  };
  await pc.setRemoteDescription(offer);
  preferH264(pc);
  await pc.setLocalDescription(await pc.createAnswer());
  const correlationId = viewerId === undefined ? String(Date.now()) : undefined;
  signalingClient.sendSdpAnswer(pc.localDescription, viewerId, correlationId);
  await sendH264(pc);
}

async function start(channelName, ingestMedia) {
  $("channel-name").textContent = channelName;
  $("ingest-media").checked = ingestMedia;
  try {
    setStatus("opening camera");
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: 640, height: 480 },
      audio: true,
    });
    // Keep the camera's size when the CPU is busy (Chromium would scale the picture down).
    for (const track of stream.getVideoTracks()) track.contentHint = "detail";
    $("local").srcObject = stream;
    setStatus("describing channel");
    const { channelArn, endpoints, iceServers, signalingClient } = await prepareSignaling({
      channelName,
      role: "MASTER",
      createChannel: true,
      storage: ingestMedia,
    });
    let offered = false;
    const join = () => {
      offered = false;
      joinStorageSession({
        webrtcEndpoint: endpoints.WEBRTC,
        channelArn,
        offered: () => offered,
        failed: (error) => setStatus("JoinStorageSession failed", error),
      });
    };
    signalingClient.on("open", () => {
      setStatus("waiting for viewers");
      if (ingestMedia) join();
    });
    signalingClient.on("sdpOffer", (offer, viewerId) => {
      if (viewerId === undefined) offered = true;
      answer(signalingClient, iceServers, stream, offer, viewerId, viewerId ? undefined : join)
        .catch((error) => setStatus(`cannot answer ${peerKey(viewerId)}`, error));
    });
    signalingClient.on("iceCandidate", (candidate, viewerId) => {
      peers.get(peerKey(viewerId))?.addIceCandidate(candidate).catch((error) =>
        setStatus(`bad candidate from ${peerKey(viewerId)}`, error)
      );
    });
    // The media server refused our answer (its codecs, say): the sample then stops.
    signalingClient.on("statusResponse", (status) => {
      if (status.success === false) {
        setStatus("the storage session refused the answer", status.errorType);
      }
    });
    signalingClient.on("close", () => setStatus("signaling closed"));
    signalingClient.on("error", (error) => setStatus("signaling error", error));
    signalingClient.open();
    setInterval(async () => {
      for (const [id, pc] of peers) {
        const s = await readStats(pc);
        Object.assign(state.viewers[id], {
          framesSent: s.video.frames,
          codec: s.video.codec,
          videoBytesSent: s.video.bytes,
          sendEstimateBps: s.sendEstimateBps,
        });
      }
      showViewers();
    }, 1000);
  } catch (error) {
    setStatus("failed", error);
  }
}

const search = new URLSearchParams(location.search);
const channelName = search.get("channel");
$("ingest-media").onchange = ({ target }) => {
  search.set("ingest-media", String(target.checked));
  location.search = search.toString();
};
if (channelName) start(channelName, search.get("ingest-media") === "true");
else setStatus("add ?channel=NAME to the address to start");
