/**
 * The PutMedia response body: newline-separated JSON acknowledgements (spec §6.2), arriving in
 * chunks cut anywhere. Tolerant, as PIC's parser is: unknown keys are skipped, and a line that
 * is not an acknowledgement is reported beside the others, never thrown.
 */

export type AckEventType = "BUFFERING" | "RECEIVED" | "PERSISTED" | "ERROR" | "IDLE";

const eventTypes: ReadonlySet<string> = new Set<AckEventType>([
  "BUFFERING",
  "RECEIVED",
  "PERSISTED",
  "ERROR",
  "IDLE",
]);

export interface FragmentAck {
  eventType: AckEventType;
  /** The acknowledged fragment's Cluster Timecode as sent; absent for IDLE. */
  fragmentTimecode?: number;
  fragmentNumber?: string;
  /** ERROR only: the numeric error (4000-5001, spec §6.2) and its name. */
  errorId?: number;
  errorCode?: string;
}

export type AckParserEvent =
  | { kind: "ack"; ack: FragmentAck }
  | { kind: "bad-line"; line: string; reason: string };

/** The longest acknowledgement line kept (real ones are under 300 bytes); longer is a bad line. */
export const maxAckLineBytes = 16 * 1024;

const newline = 0x0a;

export class AckParser {
  readonly #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Set while skipping the rest of a line that overran maxAckLineBytes. */
  #overrun = false;
  readonly #decoder = new TextDecoder();

  /** The acknowledgements (and bad lines) that `chunk` completes. */
  push(chunk: Uint8Array): AckParserEvent[] {
    const events: AckParserEvent[] = [];
    let at = 0;
    while (at < chunk.length) {
      const end = chunk.indexOf(newline, at);
      const piece = chunk.subarray(at, end === -1 ? chunk.length : end);
      this.#keep(piece, events);
      if (end === -1) break;
      this.#endLine(events);
      at = end + 1;
    }
    return events;
  }

  /** The response ended: a last line without its newline still counts. */
  end(): AckParserEvent[] {
    const events: AckParserEvent[] = [];
    this.#endLine(events);
    return events;
  }

  #keep(piece: Uint8Array, events: AckParserEvent[]) {
    if (this.#overrun || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > maxAckLineBytes) {
      events.push({
        kind: "bad-line",
        line: this.#decoder.decode(this.#take()).slice(0, 80),
        reason: `longer than ${maxAckLineBytes} bytes`,
      });
      this.#overrun = true;
      return;
    }
    // Copied: the chunk is the transport's buffer, and the line is tiny.
    this.#pending.push(piece.slice());
    this.#pendingBytes += piece.length;
  }

  #take(): Uint8Array {
    const line = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const piece of this.#pending) {
      line.set(piece, at);
      at += piece.length;
    }
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    return line;
  }

  #endLine(events: AckParserEvent[]) {
    const line = this.#decoder.decode(this.#take()).trim();
    if (this.#overrun) {
      this.#overrun = false;
      return;
    }
    if (line === "") return;
    const parsed = parseAck(line);
    events.push(
      typeof parsed === "string"
        ? { kind: "bad-line", line: line.slice(0, 200), reason: parsed }
        : { kind: "ack", ack: parsed },
    );
  }
}

/** One acknowledgement line, or why it is not one. */
export function parseAck(line: string): FragmentAck | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  const fields = value as Record<string, unknown>;
  const eventType = fields.EventType;
  if (typeof eventType !== "string" || !eventTypes.has(eventType)) {
    return `unknown EventType ${JSON.stringify(eventType)}`;
  }
  const ack: FragmentAck = { eventType: eventType as AckEventType };
  const timecode = fields.FragmentTimecode;
  if (timecode !== undefined) {
    if (!Number.isSafeInteger(timecode) || (timecode as number) < 0) {
      return `FragmentTimecode ${JSON.stringify(timecode)} is not a whole number of ms`;
    }
    ack.fragmentTimecode = timecode as number;
  } else if (eventType !== "IDLE" && eventType !== "ERROR") {
    return `a ${eventType} acknowledgement without FragmentTimecode`;
  }
  const number = fields.FragmentNumber;
  if (number !== undefined) {
    if (typeof number !== "string" || !/^[0-9]{1,128}$/.test(number)) {
      return `FragmentNumber ${JSON.stringify(number)} is not a decimal string`;
    }
    ack.fragmentNumber = number;
  }
  if (eventType === "ERROR") {
    // PIC insists on it: an ERROR acknowledgement carries a non-200 ErrorId.
    const errorId = fields.ErrorId;
    if (!Number.isSafeInteger(errorId) || errorId === 200) {
      return `an ERROR acknowledgement with ErrorId ${JSON.stringify(errorId)}`;
    }
    ack.errorId = errorId as number;
    if (typeof fields.ErrorCode === "string") ack.errorCode = fields.ErrorCode;
  }
  return ack;
}
