/**
 * transport-cc negotiation (draft-holmer-rmcat-transport-wide-cc-extensions-01 4): a media
 * section takes part when it maps the transport-wide sequence number extension and its format
 * lists `rtcp-fb <pt> transport-cc`. The answer repeats both with the offer's id; a section
 * offering neither is answered as before.
 */
import { transportWideSequenceUri } from "../rtp/transport-wide-sequence.ts";
import type { MediaSection } from "./offer.ts";

/** The highest id of a one-byte extension header, the only form the sender writes. */
const maxOneByteId = 14;

/** The offered extension id when the section and its format offer transport-cc, else undefined. */
export function offeredTransportCc(section: MediaSection, payloadType: number): number | undefined {
  const format = section.formats.find((f) => f.payloadType === payloadType);
  if (!format?.feedback.includes("transport-cc")) return undefined;
  const id = section.extensions.find((e) => e.uri === transportWideSequenceUri)?.id;
  return id !== undefined && id >= 1 && id <= maxOneByteId ? id : undefined;
}

/**
 * The extension id an answer gives transport-cc in any of its sections (a bundled connection
 * has one transport-wide numbering), or undefined when it answered without it.
 */
export function answeredTransportCc(sections: readonly MediaSection[]): number | undefined {
  for (const section of sections) {
    for (const format of section.formats) {
      const id = offeredTransportCc(section, format.payloadType);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/** The section's line that maps the transport-wide sequence number (offer or answer). */
export function transportCcExtmapLine(extensionId: number): string {
  return `a=extmap:${extensionId} ${transportWideSequenceUri}`;
}

/** A format's line that asks for transport-cc feedback. */
export function transportCcFeedbackLine(payloadType: number): string {
  return `a=rtcp-fb:${payloadType} transport-cc`;
}
