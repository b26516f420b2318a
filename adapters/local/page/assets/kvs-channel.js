// What a KVS WebRTC client does before any peer connection, in the browser: describe the channel,
// get its endpoints and ICE servers, and open the signaling WebSocket with the official KVS
// WebRTC JS SDK (global KVSWebRTC, served by this endpoint). The page holds no secret: the local
// endpoint signs for it (POST /page/sign, loopback only) and the page sends the requests itself.

/** Asks the endpoint to sign one request; returns its answer ({headers} or {url}). */
async function sign(request) {
  const response = await fetch("/page/sign", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`signing refused: ${answer.message ?? response.status}`);
  return answer;
}

/** One signed KVS JSON API call (control plane or signaling HTTPS), as the AWS SDKs make it. */
export async function kvsCall(baseUrl, path, input) {
  const url = new URL(baseUrl.replace(/\/$/, "") + path);
  const body = JSON.stringify(input);
  const { headers } = await sign({ kind: "post", url: url.href, body });
  const response = await fetch(url, { method: "POST", headers, body });
  const output = await response.json().catch(() => ({}));
  if (!response.ok) {
    const name = response.headers.get("x-amzn-errortype")?.split(":")[0] ?? response.status;
    throw new Error(`${path.slice(1)}: ${name}: ${output.Message ?? output.message ?? ""}`);
  }
  return output;
}

/** Every name a paged KVS list operation returns, following NextToken. */
async function listNames(path, listKey, nameKey) {
  const names = [];
  let NextToken;
  do {
    const page = await kvsCall(location.origin, path, {
      MaxResults: 100,
      ...(NextToken ? { NextToken } : {}),
    });
    for (const info of page[listKey] ?? []) names.push(info[nameKey]);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

/** The channel names the endpoint holds (ListSignalingChannels, every page). */
export const listChannels = () =>
  listNames("/listSignalingChannels", "ChannelInfoList", "ChannelName");

/** The stream names the endpoint holds (ListStreams, every page). */
export const listStreams = () => listNames("/listStreams", "StreamInfoList", "StreamName");

/** The channel's ARN; with createChannel, a channel that does not exist yet is created. */
async function channelArnOf(channelName, createChannel) {
  const controlPlane = location.origin;
  try {
    const { ChannelInfo } = await kvsCall(controlPlane, "/describeSignalingChannel", {
      ChannelName: channelName,
    });
    return ChannelInfo.ChannelARN;
  } catch (error) {
    if (!createChannel || !error.message.includes("ResourceNotFoundException")) throw error;
    const created = await kvsCall(controlPlane, "/createSignalingChannel", {
      ChannelName: channelName,
    });
    return created.ChannelARN;
  }
}

/**
 * Describe (or create) channel -> get signaling endpoints -> get ICE server config -> a
 * SignalingClient (not yet opened). role: "MASTER" | "VIEWER"; a viewer needs a clientId. With
 * storage (the JS SDK sample's "ingest media"), the channel must be mapped to a stream, and the
 * WEBRTC endpoint (JoinStorageSession's) is looked up too.
 */
export async function prepareSignaling({
  channelName,
  role,
  clientId,
  createChannel = false,
  storage = false,
}) {
  const controlPlane = location.origin;
  const channelArn = await channelArnOf(channelName, createChannel);
  const region = channelArn.split(":")[3];
  if (storage) {
    const { MediaStorageConfiguration } = await kvsCall(
      controlPlane,
      "/describeMediaStorageConfiguration",
      { ChannelARN: channelArn },
    );
    if (MediaStorageConfiguration?.Status !== "ENABLED") {
      throw new Error(`the channel ${channelName} is not mapped to a stream (media storage)`);
    }
  }
  const { ResourceEndpointList } = await kvsCall(controlPlane, "/getSignalingChannelEndpoint", {
    ChannelARN: channelArn,
    SingleMasterChannelEndpointConfiguration: {
      Protocols: storage ? ["WSS", "HTTPS", "WEBRTC"] : ["WSS", "HTTPS"],
      Role: role,
    },
  });
  const endpoints = Object.fromEntries(
    ResourceEndpointList.map((e) => [e.Protocol, e.ResourceEndpoint]),
  );
  const { IceServerList } = await kvsCall(endpoints.HTTPS, "/v1/get-ice-server-config", {
    ChannelARN: channelArn,
    ...(clientId ? { ClientId: clientId } : {}),
  });
  const iceServers = (IceServerList ?? []).map((s) => ({
    urls: s.Uris,
    username: s.Username,
    credential: s.Password,
  }));
  const signalingClient = new KVSWebRTC.SignalingClient({
    channelARN: channelArn,
    channelEndpoint: endpoints.WSS,
    role: KVSWebRTC.Role[role],
    clientId,
    region,
    // The SDK's own signer only accepts wss://; the local endpoint may be plain ws://.
    requestSigner: {
      getSignedURL: async (endpoint, queryParams, date) =>
        (await sign({
          kind: "signaling-url",
          endpoint,
          channelArn: queryParams["X-Amz-ChannelARN"],
          clientId: queryParams["X-Amz-ClientId"],
          date: date.toISOString(),
        })).url,
    },
  });
  return { channelArn, region, endpoints, iceServers, signalingClient };
}

/** Sums of the numbers in a getStats() report that the pages show. */
export async function readStats(pc) {
  const report = await pc.getStats();
  const out = { video: {}, audio: {}, rttMs: undefined, bytes: 0, sendEstimateBps: undefined };
  let pairId;
  report.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  report.forEach((s) => {
    if (s.type === "inbound-rtp" || s.type === "outbound-rtp") {
      const kind = s.kind === "video" ? out.video : out.audio;
      Object.assign(kind, {
        direction: s.type === "inbound-rtp" ? "in" : "out",
        packets: s.packetsReceived ?? s.packetsSent ?? 0,
        packetsLost: s.packetsLost ?? 0,
        bytes: s.bytesReceived ?? s.bytesSent ?? 0,
        frames: s.framesDecoded ?? s.framesEncoded,
        framesPerSecond: s.framesPerSecond,
        width: s.frameWidth,
        height: s.frameHeight,
        nacks: s.nackCount,
        plis: s.pliCount,
        codec: report.get(s.codecId)?.mimeType,
      });
      out.bytes += kind.bytes;
    }
    if (s.type === "candidate-pair" && s.id === pairId) {
      if (s.currentRoundTripTime !== undefined) out.rttMs = s.currentRoundTripTime * 1000;
      // The browser's own send-side bandwidth estimate (from the peer's transport-cc feedback).
      out.sendEstimateBps = s.availableOutgoingBitrate;
    }
  });
  return out;
}
