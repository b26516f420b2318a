/**
 * A KVS fragment as the local endpoint keeps it: one Cluster of a PutMedia body, taken apart
 * into its frames, with the Tracks it was sent under. Every read-back (GetMedia, HLS, GetClip)
 * packages these frames anew; none depends on the bytes the producer happened to send.
 */

export interface MkvTrack {
  /** TrackNumber: what a SimpleBlock names. */
  number: number;
  uid: bigint;
  kind: "video" | "audio" | "other";
  /** Matroska codec ID: "V_MPEG4/ISO/AVC", "A_AAC", "A_OPUS", ... */
  codecId: string;
  /** avcC for H.264, AudioSpecificConfig for AAC, OpusHead for Opus. */
  codecPrivate?: Uint8Array;
  name?: string;
  video?: { width: number; height: number };
  audio?: { samplingFrequency: number; channels: number; bitDepth?: number };
}

export interface FragmentFrame {
  /** The TrackNumber of the track it belongs to. */
  track: number;
  /** Producer time in ms since the Unix epoch (Cluster Timecode plus the block's offset). */
  timecodeMs: number;
  keyframe: boolean;
  /** The SimpleBlock's frame data as sent: AVCC (length-prefixed NAL units) for H.264. */
  data: Uint8Array;
}

/** A fragment metadata tag a producer put in the Tags after its Cluster. */
export interface FragmentTag {
  name: string;
  value: string;
}

/** What an upload hands the store: a whole fragment, parsed and checked. */
export interface Fragment {
  /** The Cluster Timecode in ms since the Unix epoch (ABSOLUTE, or RELATIVE made absolute). */
  producerTimestampMs: number;
  /** From the first frame to the end of the last (its own duration estimated as the gap before). */
  durationMs: number;
  tracks: readonly MkvTrack[];
  frames: readonly FragmentFrame[];
  tags: readonly FragmentTag[];
  /** FragmentSizeInBytes: the bytes of the Cluster as received. */
  sizeBytes: number;
}

/** A fragment as the store holds it, with what the service gave it. */
export interface StoredFragment extends Fragment {
  /** AWS-shaped: a decimal string, increasing along the stream (compare with compareFragmentNumbers). */
  fragmentNumber: string;
  /** When the endpoint received the fragment's first byte, ms since the Unix epoch. */
  serverTimestampMs: number;
}

/**
 * A fragment number: 47 decimal digits, as AWS's are (their structure is not documented; this
 * one is a fixed prefix, the server time in ms and a sequence within that ms, so numbers grow
 * across endpoint restarts as long as the clock does, and sort as strings and as numbers).
 */
export function fragmentNumber(serverTimestampMs: number, sequence: number): string {
  const ms = String(Math.trunc(serverTimestampMs)).padStart(15, "0");
  return `91343852333${ms}${String(sequence).padStart(21, "0")}`;
}

export function compareFragmentNumbers(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The server time (ms) and sequence a number of ours was made from; undefined for any other. */
export function parseFragmentNumber(number: string): { ms: number; sequence: number } | undefined {
  const match = /^91343852333([0-9]{15})([0-9]{21})$/.exec(number);
  return match ? { ms: Number(match[1]), sequence: Number(match[2]) } : undefined;
}
