/**
 * GetMedia's limits per stream, as AWS documents them: up to five calls a second
 * (ClientLimitExceededException past it), and more than three concurrent connections throttle
 * the newest (ConnectionLimitExceededException). One entry per stream read, so the map is
 * bounded by the streams the registry holds.
 */
import { clientLimitExceeded, ServiceError } from "../local-endpoint/errors.ts";
import { TokenBucket } from "../local-endpoint/token-bucket.ts";

export const getMediaCallsPerSecond = 5;
export const getMediaConnectionsPerStream = 3;

const connectionLimitExceeded = (message: string) =>
  new ServiceError("ConnectionLimitExceededException", 400, message);

export class GetMediaLimits {
  readonly #streams = new Map<string, { calls: TokenBucket; open: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Admits one GetMedia call on the stream or throws AWS's error; returns its release. */
  admit(streamArn: string): () => void {
    let stream = this.#streams.get(streamArn);
    if (!stream) {
      const calls = new TokenBucket(getMediaCallsPerSecond, getMediaCallsPerSecond, this.now);
      this.#streams.set(streamArn, stream = { calls, open: 0 });
    }
    if (stream.open >= getMediaConnectionsPerStream) {
      throw connectionLimitExceeded(
        `The stream already has ${getMediaConnectionsPerStream} GetMedia connections open.`,
      );
    }
    if (!stream.calls.take()) {
      throw clientLimitExceeded(
        `GetMedia is limited to ${getMediaCallsPerSecond} calls per second per stream.`,
      );
    }
    stream.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      stream.open--;
    };
  }
}
