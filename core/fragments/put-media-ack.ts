/**
 * PutMedia's acknowledgements (spec §6.2): one JSON object a line, keys in AWS's order and
 * case, FragmentTimecode the Cluster Timecode as sent, FragmentNumber a quoted decimal string.
 */

export type FragmentAck =
  | {
    EventType: "BUFFERING" | "RECEIVED" | "PERSISTED";
    FragmentTimecode: number;
    FragmentNumber: string;
  }
  | {
    EventType: "ERROR";
    FragmentTimecode?: number;
    FragmentNumber?: string;
    ErrorId: number;
    ErrorCode: string;
  }
  | { EventType: "IDLE" };

/** Each rule AWS enforces on a PutMedia body: its ErrorId and name (PIC and the Java SDK's). */
export const ackErrors = {
  maxFragmentSize: { id: 4001, code: "MAX_FRAGMENT_SIZE_REACHED" },
  maxFragmentDuration: { id: 4002, code: "MAX_FRAGMENT_DURATION_REACHED" },
  timecodeLesserThanPrevious: { id: 4004, code: "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS" },
  invalidMkv: { id: 4006, code: "INVALID_MKV_DATA" },
  streamNotActive: { id: 4008, code: "STREAM_NOT_ACTIVE" },
  trackNumberMismatch: { id: 4010, code: "TRACK_NUMBER_MISMATCH" },
  framesMissingForTrack: { id: 4011, code: "FRAMES_MISSING_FOR_TRACK" },
  moreThanAllowedTracks: { id: 4012, code: "MORE_THAN_ALLOWED_TRACKS_FOUND" },
  streamDeleted: { id: 4507, code: "STREAM_DELETED" },
  internalError: { id: 5000, code: "INTERNAL_ERROR" },
} as const;

export type AckError = (typeof ackErrors)[keyof typeof ackErrors];

/** The ack as the line AWS writes it. */
export function ackLine(ack: FragmentAck): string {
  return `${JSON.stringify(ack)}\n`;
}
