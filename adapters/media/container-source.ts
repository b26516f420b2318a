/**
 * Media from a container file (MP4/MOV, Matroska/WebM), demuxed by mediabunny: the H.264 video
 * track as Annex-B access units and the Opus track, if any, as Opus packets, each sent when its
 * own timestamp comes (from the first one in the file), and played again from the start with
 * --loop. mediabunny reads the file through a cache of `readCacheBytes`; a packet over its bound
 * or one that is malformed is skipped with a warning.
 */
import type { EncodedPacket, EncodedPacketSink, Input, InputTrack } from "mediabunny";
import type { ContainerFormat } from "../../core/container/container-format.ts";
import { annexBAccessUnit, parseAvcDecoderConfig } from "../../core/h264/avcc.ts";
import { defaultMaxAccessUnitBytes } from "../../core/h264/access-unit-splitter.ts";
import { maxOpusPacketBytes } from "./frame-files-source.ts";
import {
  type MediaSink,
  type MediaSource,
  oneLine,
  SkippedFrames,
  type SourceWarn,
} from "./source.ts";

/** Bytes of the file mediabunny holds in memory at most. */
const readCacheBytes = 8 << 20;

export interface ContainerSourceOptions {
  loop: boolean;
  /** Send the file's Opus track (false when --audio gives the audio). */
  audio: boolean;
  warn?: SourceWarn;
}

export class ContainerSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly #file: string;
  readonly #o: ContainerSourceOptions;
  /** Containers are played for their H.264 track only. */
  readonly videoCodec = "h264";
  readonly #skipped: SkippedFrames;
  readonly #waits = new Set<{ timer: ReturnType<typeof setTimeout>; wake(): void }>();
  #finish!: (how: string) => void;
  #stopped = false;
  #input?: Input;

  constructor(file: string, format: ContainerFormat, options: ContainerSourceOptions) {
    this.#file = file;
    this.#o = options;
    this.description = `the ${format} file ${file}`;
    this.#skipped = new SkippedFrames(this.description, options.warn);
    this.ended = new Promise((resolve) => (this.#finish = resolve));
  }

  start(sink: MediaSink): void {
    this.#play(sink).then(
      (how) => this.#finish(how),
      (error) => this.#finish(`${this.description} failed: ${oneLine(error)}`),
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#finish("stopped");
    for (const wait of this.#waits) {
      clearTimeout(wait.timer);
      wait.wake();
    }
    this.#input?.dispose();
  }

  async #play(sink: MediaSink): Promise<string> {
    let frames = 0;
    let packets = 0;
    // Loaded only when a container is played: importing mediabunny costs every process that
    // starts ~8 MB of RSS on Bun (measured), and most masters read a camera, not a file.
    const { ALL_FORMATS, FilePathSource, Input } = await import("mediabunny");
    const input = this.#input = new Input({
      source: new FilePathSource(this.#file, { maxCacheSize: readCacheBytes }),
      formats: ALL_FORMATS,
    });
    try {
      const played = await playableTracks(input, this.#file, this.#o.audio, {
        video: (au, timeUs, codec) => {
          sink.video(au, timeUs, codec);
          frames++;
        },
        audio: (packet, timeUs) => {
          sink.audio(packet, timeUs);
          packets++;
        },
      });
      if (typeof played === "string") return played;
      const firstS = await input.getFirstTimestamp(played.map((p) => p.track));
      const started = performance.now();
      for (let offsetUs = 0;;) {
        const clock = { firstS, offsetUs, started };
        const ends = await Promise.all(played.map((track) => this.#track(track, clock)));
        if (this.#stopped) return "stopped";
        if (frames === 0) return `${this.#file} has no H.264 frames that could be read`;
        if (!this.#o.loop) {
          const sound = played.length > 1 ? ` and ${packets} Opus packets` : "";
          return `${this.description} ended after ${frames} frames${sound}`;
        }
        offsetUs = Math.max(offsetUs, ...ends);
      }
    } finally {
      input.dispose();
    }
  }

  /** Sends a track's packets at their times; returns the media time its last one ends. */
  async #track(
    played: PlayableTrack,
    clock: { firstS: number; offsetUs: number; started: number },
  ): Promise<number> {
    let endUs = clock.offsetUs;
    for await (const packet of played.packets.packets()) {
      const timeUs = clock.offsetUs +
        Math.max(0, Math.round((packet.timestamp - clock.firstS) * 1e6));
      await this.#until(clock.started + timeUs / 1000);
      if (this.#stopped) break;
      endUs = Math.max(endUs, timeUs + Math.round(packet.duration * 1e6));
      sendPacket(played, packet, timeUs, this.#skipped);
    }
    return endUs;
  }

  /** Resolves at performance.now() time `at`, or at stop(). */
  #until(at: number): Promise<void> {
    const wait = at - performance.now();
    if (wait <= 0 || this.#stopped) return Promise.resolve();
    return new Promise((wake) => {
      const entry = {
        timer: setTimeout(() => {
          this.#waits.delete(entry);
          wake();
        }, wait),
        wake,
      };
      this.#waits.add(entry);
    });
  }
}

/** A track to play, with how to send one of its packets (as a sink takes it). */
export interface PlayableTrack {
  kind: "video" | "audio";
  track: InputTrack;
  packets: EncodedPacketSink;
  /** A packet over this is skipped. */
  maxBytes: number;
  /** Sends one packet; throws on a malformed one. */
  send(data: Uint8Array, key: boolean, timeUs: number): void;
}

/**
 * The H.264 video track of an input, and its Opus track if `withAudio` and it has one, each
 * sending to `sink` (H.264 as Annex-B access units); or why the input has nothing to play.
 */
export async function playableTracks(
  input: Input,
  name: string,
  withAudio: boolean,
  sink: MediaSink,
): Promise<PlayableTrack[] | string> {
  const { EncodedPacketSink } = await import("mediabunny");
  const tracks = await input.getTracks();
  const video = tracks.filter((t) => t.isVideoTrack()).find((t) => t.codec === "avc");
  if (!video) {
    const has = tracks.map((t) => `${t.codec ?? "unknown"} ${t.type}`).join(", ");
    return `${name} has no H.264 video track (it has ${has || "no tracks"})`;
  }
  const record = (await video.getDecoderConfig())?.description;
  // Without an avcC the samples are Annex-B already (mediabunny's codec registry).
  const config = record && parseAvcDecoderConfig(bytesOf(record));
  const played: PlayableTrack[] = [{
    kind: "video",
    track: video,
    packets: new EncodedPacketSink(video),
    maxBytes: defaultMaxAccessUnitBytes,
    send: (data, key, timeUs) =>
      sink.video(config ? annexBAccessUnit(data, config, key) : data, timeUs, "h264"),
  }];
  const audio = withAudio ? tracks.find((t) => t.isAudioTrack() && t.codec === "opus") : undefined;
  if (audio) {
    played.push({
      kind: "audio",
      track: audio,
      packets: new EncodedPacketSink(audio),
      maxBytes: maxOpusPacketBytes,
      send: (data, _, timeUs) => sink.audio(data, timeUs),
    });
  }
  return played;
}

/** Sends a packet of a track at `timeUs`, or skips it (over its bound, or malformed). */
export function sendPacket(
  played: PlayableTrack,
  packet: EncodedPacket,
  timeUs: number,
  skipped: SkippedFrames,
): void {
  const { kind, maxBytes } = played;
  if (packet.data.byteLength > maxBytes) {
    return skipped.skip(`a ${packet.data.byteLength}-byte ${kind} packet (bound ${maxBytes})`);
  }
  try {
    played.send(packet.data, packet.type === "key", timeUs);
  } catch (error) {
    skipped.skip(`a ${kind} packet: ${oneLine(error)}`);
  }
}

function bytesOf(data: AllowSharedBufferSource): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}
