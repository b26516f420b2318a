/**
 * What a peer may make us do with data-channel messages: each message is decoded, printed and
 * (on a master) echoed, so a peer flooding big messages would fill our output, the echo's send
 * buffer and the event loop. Messages over `maxMessageBytes`, and those past
 * `maxMessagesPerSecond`, are dropped and counted; the drops are reported in one warning at
 * most every `dropWarningIntervalMs`. Past `maxBytesPerSecond` in a second, the rest of
 * that second's messages are dropped too. A peer that sends twice a bound's worth in a second
 * is `flooding`: dropping costs little, but every message still reaches us through the native
 * library's unbounded queue, so the caller closes the channel (the media goes on).
 */

/**
 * Bytes of one message handled (characters, for a text message): KVS's data channel carries chat-like text and small control
 * messages; 64 KiB is far past those and a line a terminal can still take.
 */
export const maxMessageBytes = 64 * 1024;
/** Messages handled per second: more than a person or a control loop sends. */
export const maxMessagesPerSecond = 100;
/**
 * Bytes handled per second: what is printed (and echoed) stays a few screens a second, however
 * the peer mixes sizes and counts.
 */
export const maxBytesPerSecond = 256 * 1024;
/** How often the drops are reported at most. */
export const dropWarningIntervalMs = 5000;

export class MessageGuard {
  /** Dropped for their size. */
  oversized = 0;
  /** Dropped for coming too fast. */
  overRate = 0;
  /** Set (for good) once a second brought twice a bound's worth of messages or bytes. */
  flooding = false;
  readonly #now: () => number;
  readonly #warn: (warning: string) => void;
  readonly #decoder = new TextDecoder();
  #windowStart = -Infinity;
  #inWindow = 0;
  #bytesInWindow = 0;
  #warnedAt = -Infinity;
  #reported = 0;

  /** `now`: monotonic milliseconds; `warn` gets the drop reports. */
  constructor(now: () => number, warn: (warning: string) => void) {
    this.#now = now;
    this.#warn = warn;
  }

  get dropped(): number {
    return this.oversized + this.overRate;
  }

  /** The message as text when it is to be handled; undefined when it is dropped (counted). */
  text(message: string | Uint8Array | ArrayBuffer): string | undefined {
    const accepted = this.#accept(
      typeof message === "string" ? message.length : message.byteLength,
    );
    this.#report();
    if (!accepted) return undefined;
    return typeof message === "string" ? message : this.#decoder.decode(message);
  }

  #accept(bytes: number): boolean {
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#inWindow = 0;
      this.#bytesInWindow = 0;
    }
    this.#bytesInWindow += bytes;
    ++this.#inWindow;
    if (this.#inWindow > 2 * maxMessagesPerSecond || this.#bytesInWindow > 2 * maxBytesPerSecond) {
      this.flooding = true;
    }
    if (bytes > maxMessageBytes) {
      this.oversized++;
      return false;
    }
    if (this.#inWindow > maxMessagesPerSecond || this.#bytesInWindow > maxBytesPerSecond) {
      this.overRate++;
      return false;
    }
    return true;
  }

  /** Warns about the drops since the last warning, when there are some and one is due. */
  #report() {
    const dropped = this.dropped;
    const now = this.#now();
    if (dropped === this.#reported || now - this.#warnedAt < dropWarningIntervalMs) return;
    this.#warnedAt = now;
    this.#reported = dropped;
    this.#warn(
      `dropped ${dropped} data-channel messages so far (${this.oversized} over ` +
        `${maxMessageBytes / 1024} KiB, ${this.overRate} past ${maxMessagesPerSecond} a second)`,
    );
  }
}
