/**
 * The parts of a remote SDP offer (RFC 8866, JSEP) an answerer needs: each media section's kind,
 * mid and direction, and its RTP formats with their rtpmap and fmtp parameters. With them the
 * master answers with the offer's own mids and payload types.
 */

export interface RtpFormat {
  payloadType: number;
  /** Encoding name as written, e.g. "H264", "opus". */
  codec: string;
  clockRate: number;
  channels?: number;
  /** fmtp parameters, names lower-cased. */
  parameters: Map<string, string>;
  /** Its rtcp-fb values as written ("nack", "nack pli", "transport-cc"). */
  feedback: string[];
}

/** An RFC 8285 header extension the section maps (a=extmap). */
export interface HeaderExtensionMap {
  id: number;
  uri: string;
}

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export interface MediaSection {
  kind: string;
  mid: string;
  /** The section's index in the SDP (the sdpMLineIndex of its candidates). */
  index: number;
  direction: Direction;
  formats: RtpFormat[];
  extensions: HeaderExtensionMap[];
}

const directions = new Set(["sendrecv", "sendonly", "recvonly", "inactive"]);

/** Reads the media sections; throws when the text is not SDP or a section has no mid. */
export function parseMediaSections(sdp: string): MediaSection[] {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!lines[0]?.startsWith("v=0")) throw new Error("not an SDP description (no v=0 line)");
  let sessionDirection: Direction = "sendrecv";
  const sections: (MediaSection & { formatOrder: number[] })[] = [];
  for (const line of lines) {
    const current = sections[sections.length - 1];
    if (line.startsWith("m=")) {
      const [kind, , , ...pts] = line.slice(2).split(/\s+/);
      sections.push({
        kind,
        mid: "",
        index: sections.length,
        direction: sessionDirection,
        formats: [],
        extensions: [],
        formatOrder: pts.map(Number).filter(Number.isInteger),
      });
      continue;
    }
    if (!line.startsWith("a=")) continue;
    const [name, value = ""] = splitOnce(line.slice(2), ":");
    if (directions.has(name)) {
      if (current) current.direction = name as Direction;
      else sessionDirection = name as Direction;
    }
    if (!current) continue;
    if (name === "mid") current.mid = value;
    else if (name === "rtpmap") {
      const [pt, encoding] = splitOnce(value, " ");
      const [codec, rate, channels] = encoding.split("/");
      current.formats.push({
        payloadType: Number(pt),
        codec,
        clockRate: Number(rate),
        channels: channels === undefined ? undefined : Number(channels),
        parameters: new Map(),
        feedback: [],
      });
    } else if (name === "rtcp-fb") {
      const [pt, feedback] = splitOnce(value, " ");
      current.formats.find((f) => f.payloadType === Number(pt))?.feedback.push(feedback.trim());
    } else if (name === "extmap") {
      // "3 uri" or "3/sendonly uri": the direction is not needed here.
      const [id, uri] = splitOnce(value, " ");
      const number = Number(id.split("/")[0]);
      if (Number.isInteger(number) && uri) current.extensions.push({ id: number, uri: uri.trim() });
    } else if (name === "fmtp") {
      const [pt, params] = splitOnce(value, " ");
      const format = current.formats.find((f) => f.payloadType === Number(pt));
      for (const param of params.split(";")) {
        const [key, v = ""] = splitOnce(param.trim(), "=");
        if (key) format?.parameters.set(key.toLowerCase(), v);
      }
    }
  }
  for (const s of sections) {
    if (!s.mid) throw new Error(`SDP media section ${s.index} (${s.kind}) has no a=mid`);
    s.formats.sort((a, b) =>
      s.formatOrder.indexOf(a.payloadType) - s.formatOrder.indexOf(b.payloadType)
    );
  }
  return sections.map(({ formatOrder: _, ...s }) => s);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}
