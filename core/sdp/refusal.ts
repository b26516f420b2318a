/**
 * A refusal as an SDP answer. KVS signaling has no message for "no" (spec §5: a master's only
 * reply to an offer is an answer), so a master that will not serve a viewer answers its offer
 * rejecting every media section, as JSEP allows (RFC 8829 §5.3.1: port 0, the offer's media type
 * and protocol, a format copied from the offer), and says why in a session-level attribute of
 * its own. A kvsrtc viewer reads the reason and stops at once; a browser applies the answer,
 * ignores the unknown attribute and has nothing to connect (its transceivers stop), rather than
 * waiting out its timeout for an answer that never comes.
 */

/** The session-level attribute carrying the reason: `a=x-kvsrtc-refused:<reason>`. */
const refusedAttribute = "x-kvsrtc-refused";

/** The most of a reason that goes on the wire (an SDP line, inside KVS's 10 KB payload). */
export const maxRefusalReasonLength = 300;

/** One printable line of at most maxRefusalReasonLength characters. */
function oneLine(reason: string): string {
  const printable = reason.replace(/[^\x20-\x7e]+/g, " ").trim();
  return printable.slice(0, maxRefusalReasonLength) || "refused";
}

/**
 * The answer refusing `offerSdp`: each of its m-sections rejected in order, with its mid. An
 * offer that is not SDP at all (or has no media section) gets a session-only answer.
 */
export function refusalAnswer(offerSdp: string, reason: string): string {
  const lines = [
    "v=0",
    "o=- 0 0 IN IP4 0.0.0.0",
    "s=-",
    "t=0 0",
    `a=${refusedAttribute}:${oneLine(reason)}`,
  ];
  let inMedia = false;
  for (const line of offerSdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      const [kind = "application", , proto = "UDP/DTLS/SCTP", format = "0"] = line.slice(2)
        .trim().split(/\s+/);
      lines.push(`m=${kind} 0 ${proto} ${format}`, "c=IN IP4 0.0.0.0", "a=inactive");
      inMedia = true;
    } else if (inMedia && /^a=mid:\S+$/.test(line.trim())) {
      lines.push(line.trim());
    }
  }
  return lines.join("\r\n") + "\r\n";
}

/**
 * The reason a refusal answer gives, or undefined when `answerSdp` is not a refusal: it must
 * carry the attribute AND reject every media section, so an answer that serves is never read as
 * a refusal.
 */
export function refusalReason(answerSdp: string): string | undefined {
  const lines = answerSdp.split(/\r?\n/).map((l) => l.trim());
  const prefix = `a=${refusedAttribute}:`;
  const attribute = lines.find((l) => l.startsWith(prefix));
  if (attribute === undefined) return undefined;
  const served = lines.some((l) => l.startsWith("m=") && l.split(/\s+/)[1] !== "0");
  return served ? undefined : oneLine(attribute.slice(prefix.length));
}
