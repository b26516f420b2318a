// The viewer page: connects to a channel as VIEWER (KVS signaling through the official JS SDK),
// plays the master's video and audio, shows live stats and exchanges data-channel messages.
// `?channel=NAME` connects at once. The state is mirrored on window.kvsrtcViewer for tests.
import { listChannels, prepareSignaling, readStats } from "./kvs-channel.js";

const $ = (id) => document.getElementById(id);
const state = {
  status: "idle",
  error: undefined,
  stats: undefined,
  /**
   * performance.now() of the connection's steps: making the offer began (offerAt), the answer
   * came (answerAt) and was applied (answerAppliedAt), the peer connection was up (connectedAt),
   * the first picture's last packet arrived (firstFrameReceivedAt) and it was handed to the
   * compositor (firstFramePresentedAt), and the page heard of it (firstFrameAt).
   */
  timing: {},
  received: [],
  send: (text) => send(text),
};
globalThis.kvsrtcViewer = state;

let session;

function setStatus(status, error) {
  state.status = status;
  state.error = error?.message ?? error;
  $("status").textContent = state.error ? `${status}: ${state.error}` : status;
  $("status").classList.toggle("error", Boolean(error));
}

function logMessage(direction, text) {
  const item = document.createElement("li");
  item.textContent = `${direction} ${text}`;
  $("messages").append(item);
}

async function refreshChannels() {
  const list = $("channel-list");
  try {
    const names = await listChannels();
    list.replaceChildren(...names.map((name) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.onclick = () => connect(name);
      item.append(button);
      return item;
    }));
    $("channel-names").replaceChildren(...names.map((name) => new Option(name)));
    if (names.length === 0) list.textContent = "no channels yet: start kvsrtc master";
  } catch (error) {
    list.textContent = `cannot list channels: ${error.message}`;
  }
}

function attachDataChannel(channel) {
  session.dataChannel = channel;
  channel.onopen = () => {
    $("message").disabled = false;
    $("send-button").disabled = false;
  };
  channel.onmessage = async ({ data }) => {
    const text = typeof data === "string" ? data : new TextDecoder().decode(
      data instanceof Blob ? await data.arrayBuffer() : data,
    );
    state.received.push(text);
    logMessage("←", text);
  };
}

function send(text) {
  if (session?.dataChannel?.readyState !== "open") throw new Error("data channel is not open");
  session.dataChannel.send(text);
  logMessage("→", text);
}

async function connect(channelName) {
  disconnect();
  $("channel").value = channelName;
  $("connect-button").disabled = true;
  $("disconnect-button").disabled = false;
  const clientId = `viewer-${crypto.randomUUID().slice(0, 8)}`;
  const current = { stopped: false };
  session = current;
  try {
    setStatus("describing channel");
    const { iceServers, signalingClient } = await prepareSignaling({
      channelName,
      role: "VIEWER",
      clientId,
    });
    if (current.stopped) return;
    // One transport from the start: with the default ("balanced") Chromium gathered candidates
    // for each of the three sections (12 on the test machine, each one a signaling message)
    // and set up transports the answer then bundled away; the answer came back later and
    // took longer to apply. Offer -> first picture p50 against kvsrtc master: 166 -> 136 ms at
    // D = 0, 269 -> 249 at D = 50 (README, "First frame under signaling latency").
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: "max-bundle" });
    Object.assign(current, { pc, signalingClient });
    const stream = new MediaStream();
    $("remote").srcObject = stream;
    state.timing = {};
    $("remote").requestVideoFrameCallback?.((_, frame) => {
      Object.assign(state.timing, {
        firstFrameReceivedAt: frame.receiveTime,
        firstFramePresentedAt: frame.presentationTime,
        firstFrameAt: performance.now(),
      });
    });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    attachDataChannel(pc.createDataChannel("kvsDataChannel"));
    pc.ondatachannel = ({ channel }) => attachDataChannel(channel);
    pc.ontrack = ({ track }) => stream.addTrack(track);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) signalingClient.sendIceCandidate(candidate);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") state.timing.connectedAt ??= performance.now();
      setStatus(`peer ${pc.connectionState}`);
    };

    signalingClient.on("open", async () => {
      setStatus("sending offer");
      state.timing.offerAt = performance.now();
      await pc.setLocalDescription(await pc.createOffer());
      signalingClient.sendSdpOffer(pc.localDescription);
    });
    // A kvsrtc master that will not take this viewer answers rejecting everything, saying why.
    signalingClient.on("sdpAnswer", (answer) => {
      const refused = /^a=x-kvsrtc-refused:(.*)$/m.exec(answer.sdp)?.[1];
      state.timing.answerAt ??= performance.now();
      if (refused) setStatus(`refused by the master: ${refused.trim()}`);
      else {
        pc.setRemoteDescription(answer).then(() =>
          state.timing.answerAppliedAt ??= performance.now()
        );
      }
    });
    signalingClient.on("iceCandidate", (candidate) => pc.addIceCandidate(candidate));
    signalingClient.on("close", () => {
      if (!current.stopped) setStatus(`signaling closed (peer ${pc.connectionState})`);
    });
    signalingClient.on("error", (error) => setStatus("signaling error", error));
    setStatus("connecting to signaling");
    signalingClient.open();
    current.statsTimer = setInterval(() => showStats(current), 1000);
  } catch (error) {
    setStatus("failed", error);
  }
}

async function showStats(current) {
  if (!current.pc) return;
  const now = performance.now();
  const s = await readStats(current.pc);
  const bitrateKbps = current.lastBytes === undefined
    ? undefined
    : ((s.bytes - current.lastBytes) * 8) / (now - current.lastAt);
  Object.assign(current, { lastBytes: s.bytes, lastAt: now });
  const v = s.video;
  state.stats = {
    framesDecoded: v.frames ?? 0,
    width: v.width,
    height: v.height,
    framesPerSecond: v.framesPerSecond,
    bitrateKbps,
    rttMs: s.rttMs,
    packetsLost: (v.packetsLost ?? 0) + (s.audio.packetsLost ?? 0),
    audioPackets: s.audio.packets ?? 0,
    codecs: [v.codec, s.audio.codec].filter(Boolean),
    // The master estimates this viewer's bandwidth from the feedback the browser sends.
    transportCc: / transport-cc/.test(current.pc.remoteDescription?.sdp ?? ""),
  };
  const show = (id, value) => ($(id).textContent = value ?? "-");
  const st = state.stats;
  show("stat-resolution", st.width ? `${st.width}×${st.height}` : undefined);
  show("stat-fps", st.framesPerSecond?.toFixed(0));
  show("stat-frames", st.framesDecoded);
  show("stat-bitrate", bitrateKbps === undefined ? undefined : `${bitrateKbps.toFixed(0)} kbit/s`);
  show("stat-rtt", st.rttMs === undefined ? undefined : `${st.rttMs.toFixed(1)} ms`);
  show("stat-lost", st.packetsLost);
  show("stat-audio", st.audioPackets);
  show("stat-codecs", st.codecs.join(", ") || undefined);
  show("stat-bandwidth", st.transportCc ? "transport-cc (estimated by the master)" : undefined);
}

function disconnect() {
  if (!session) return;
  session.stopped = true;
  clearInterval(session.statsTimer);
  session.signalingClient?.close();
  session.pc?.close();
  session = undefined;
  $("connect-button").disabled = false;
  $("disconnect-button").disabled = true;
  $("message").disabled = true;
  $("send-button").disabled = true;
  setStatus("idle");
}

$("connect").onsubmit = (event) => {
  event.preventDefault();
  connect($("channel").value);
};
$("disconnect-button").onclick = disconnect;
$("refresh-button").onclick = refreshChannels;
$("message-form").onsubmit = (event) => {
  event.preventDefault();
  const text = $("message").value;
  if (!text) return;
  try {
    send(text);
    $("message").value = "";
  } catch (error) {
    setStatus("cannot send", error);
  }
};

refreshChannels();
const wanted = new URLSearchParams(location.search).get("channel");
if (wanted) connect(wanted);
