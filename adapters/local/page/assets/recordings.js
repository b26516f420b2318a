// The recordings page: lists the endpoint's streams and plays one, live or a time range, through
// the endpoint's own HLS (GetDataEndpoint -> GetHLSStreamingSessionURL -> hls.js, global Hls).
// `?stream=NAME[&mode=ON_DEMAND&start=ISO&end=ISO]` plays at once. State on window.kvsrtcRecordings.
import { kvsCall, listStreams } from "./kvs-channel.js";

const $ = (id) => document.getElementById(id);
const state = { status: "idle", error: undefined, url: undefined };
globalThis.kvsrtcRecordings = state;
let player;

function setStatus(status, error) {
  state.status = status;
  state.error = error?.message ?? error;
  $("status").textContent = state.error ? `${status}: ${state.error}` : status;
  $("status").classList.toggle("error", Boolean(error));
}

async function refreshStreams() {
  const names = await listStreams();
  $("stream").replaceChildren(...names.map((name) => new Option(name)));
  if (names.length === 0) setStatus("no streams yet: upload one with kvsrtc producer");
}

/** An <input type=datetime-local> or ISO text as epoch seconds, the SDKs' timestamp form. */
const epochSeconds = (text) => new Date(text).getTime() / 1000;

async function play({ stream, mode, start, end }) {
  player?.destroy();
  setStatus(`opening ${stream}`);
  try {
    const { DataEndpoint } = await kvsCall(location.origin, "/getDataEndpoint", {
      StreamName: stream,
      APIName: "GET_HLS_STREAMING_SESSION_URL",
    });
    const range = mode === "LIVE" ? {} : {
      TimestampRange: { StartTimestamp: epochSeconds(start), EndTimestamp: epochSeconds(end) },
    };
    const { HLSStreamingSessionURL } = await kvsCall(DataEndpoint, "/getHLSStreamingSessionURL", {
      StreamName: stream,
      PlaybackMode: mode,
      HLSFragmentSelector: { FragmentSelectorType: "PRODUCER_TIMESTAMP", ...range },
    });
    state.url = HLSStreamingSessionURL;
    if (!globalThis.Hls?.isSupported()) {
      throw new Error("this browser has no Media Source Extensions");
    }
    player = new Hls();
    player.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) setStatus("failed", `${data.type}: ${data.details}`);
    });
    player.loadSource(HLSStreamingSessionURL);
    player.attachMedia($("recording"));
    setStatus(`playing ${stream}`);
  } catch (error) {
    setStatus("failed", error);
  }
}

$("play").onsubmit = (event) => {
  event.preventDefault();
  play({
    stream: $("stream").value,
    mode: $("mode").value,
    start: $("start").value,
    end: $("end").value,
  });
};
$("refresh-button").onclick = () => refreshStreams().catch((error) => setStatus("failed", error));

const query = new URLSearchParams(location.search);
await refreshStreams().catch((error) => setStatus("failed", error));
if (query.get("stream")) {
  play({
    stream: query.get("stream"),
    mode: query.get("mode") ?? "LIVE",
    start: query.get("start"),
    end: query.get("end"),
  });
}
