/**
 * What the storage session takes (spec §4.2): the master must send H.264 video and Opus audio.
 * An answer to the storage peer's offer that does not is refused with AWS's error (the answer's
 * correlation id comes back in a STATUS_RESPONSE, InvalidArgumentException) rather than
 * recorded as nothing. AWS's exact description text is not documented: ours says what is
 * missing.
 */
import { decodeBase64Json } from "../aws/base64-json.ts";
import { parseMediaSections } from "../sdp/offer.ts";

const sends = new Set(["sendonly", "sendrecv"]);

/** Why an answer's SDP cannot be recorded, or undefined when it can. */
export function storageAnswerProblem(sdp: string): string | undefined {
  let sections;
  try {
    sections = parseMediaSections(sdp);
  } catch (error) {
    return `the answer is not SDP the storage session can read: ${(error as Error).message}`;
  }
  // A section answered with port 0 is rejected, whatever else it says (one flag per m= line).
  const rejected = [...sdp.matchAll(/^m=\S+ (\d+)/gm)].map((m) => m[1] === "0");
  const sending = (kind: string, codec: string) =>
    sections.some((s) =>
      s.kind === kind && sends.has(s.direction) && !rejected[s.index] &&
      s.formats.some((f) => f.codec.toLowerCase() === codec)
    );
  const missing = [
    ...(sending("video", "h264") ? [] : ["H.264 video"]),
    ...(sending("audio", "opus") ? [] : ["Opus audio"]),
  ];
  return missing.length
    ? `A storage session records H.264 video and Opus audio; the answer sends no ${
      missing.join(" and no ")
    }.`
    : undefined;
}

/** The same for a relayed SDP_ANSWER's messagePayload (base64 of the description's JSON). */
export function storagePayloadProblem(messagePayload: string): string | undefined {
  let description;
  try {
    description = decodeBase64Json(messagePayload) as { sdp?: unknown };
  } catch {
    return "the answer's messagePayload is not base64 of JSON";
  }
  if (typeof description?.sdp !== "string") return "the answer has no SDP";
  return storageAnswerProblem(description.sdp);
}
