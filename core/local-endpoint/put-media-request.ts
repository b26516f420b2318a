/**
 * PutMedia's parameters, which travel in headers (spec §6.1): the stream by name or ARN
 * (exactly one), the timecode type, the producer start timestamp and whether acks are wanted.
 */
import { invalidArgument } from "./errors.ts";
import { arnPattern, resourceNamePattern } from "./names.ts";
import type { Registry, StreamRecord } from "./registry.ts";

export interface PutMediaRequest {
  stream: StreamRecord;
  timecodeType: "ABSOLUTE" | "RELATIVE";
  /** ms since the epoch, when x-amzn-producer-start-timestamp is given. */
  producerStartMs?: number;
  acknowledgments: boolean;
}

/**
 * Epoch seconds as producer-c prints them: `<seconds>.<milliseconds>` with the milliseconds
 * unpadded, so `1700000000.5` is 5 ms past the second, not half a second (spec §6.5).
 */
export function parseProducerStartTimestamp(text: string): number {
  const match = /^(\d{1,12})(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) {
    throw invalidArgument(
      `x-amzn-producer-start-timestamp must be epoch seconds with up to 3 digits of milliseconds, not '${
        text.slice(0, 40)
      }'.`,
    );
  }
  return Number(match[1]) * 1000 + Number(match[2] ?? 0);
}

export function parsePutMediaRequest(headers: Headers, registry: Registry): PutMediaRequest {
  const name = headers.get("x-amzn-stream-name");
  const arn = headers.get("x-amzn-stream-arn");
  if ((name === null) === (arn === null)) {
    throw invalidArgument("Exactly one of x-amzn-stream-name and x-amzn-stream-arn must be given.");
  }
  if (name !== null && (!resourceNamePattern.test(name) || name.length > 256)) {
    throw invalidArgument(`x-amzn-stream-name '${name.slice(0, 256)}' is not a stream name.`);
  }
  if (arn !== null && (!arnPattern.test(arn) || arn.length > 1024)) {
    throw invalidArgument(`x-amzn-stream-arn '${arn.slice(0, 1024)}' is not a stream ARN.`);
  }
  const timecodeType = headers.get("x-amzn-fragment-timecode-type");
  if (timecodeType !== "ABSOLUTE" && timecodeType !== "RELATIVE") {
    throw invalidArgument("x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE.");
  }
  const start = headers.get("x-amzn-producer-start-timestamp");
  const producerStartMs = start === null ? undefined : parseProducerStartTimestamp(start);
  if (timecodeType === "RELATIVE" && producerStartMs === undefined) {
    throw invalidArgument(
      "RELATIVE timecodes need x-amzn-producer-start-timestamp, the time they count from.",
    );
  }
  const ack = headers.get("x-amzn-fragment-acknowledgment-required");
  const stream = name !== null ? registry.streamByName(name) : registry.streamByArn(arn!);
  return {
    stream,
    timecodeType,
    ...(producerStartMs === undefined ? {} : { producerStartMs }),
    acknowledgments: ack !== "0",
  };
}
