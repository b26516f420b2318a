/**
 * Media from a container file (MP4/MOV, Matroska/WebM), demuxed by mediabunny: the H.264 video
 * track as Annex-B access units and the Opus track, if any, as Opus packets, each sent when its
 * own timestamp comes (from the first one in the file), and played again from the start with
 * --loop. mediabunny reads the file through a cache of `readCacheBytes`; a packet over its bound
 * or one that is malformed is skipped with a warning.
 */
import type { EncodedPacketSink, Input } from "mediabunny";
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

/** Sends one packet (a keyframe or not) at `timeUs`; throws on a malformed one. */
type Send = (data: Uint8Array, key: boolean, timeUs: number) => void;

export class ContainerSource implements MediaSource {
  readonly description: string;
  readonly ended: Promise<string>;
  readonly #file: string;
  readonly #o: ContainerSourceOptions;
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
    // Loaded only when a container is played: importing mediabunny costs every process that
    // starts ~8 MB of RSS on Bun (measured), and most masters read a camera, not a file.
    const { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } = await import("mediabunny");
    const input = this.#input = new Input({
      source: new FilePathSource(this.#file, { maxCacheSize: readCacheBytes }),
      formats: ALL_FORMATS,
    });
    try {
      const tracks = await input.getTracks();
      const video = tracks.filter((t) => t.isVideoTrack()).find((t) => t.codec === "avc");
      if (!video) {
        const has = tracks.map((t) => `${t.codec ?? "unknown"} ${t.type}`).join(", ");
        return `${this.#file} has no H.264 video track (it has ${has || "no tracks"})`;
      }
      const audio = this.#o.audio
        ? tracks.find((t) => t.isAudioTrack() && t.codec === "opus")
        : undefined;
      const record = (await video.getDecoderConfig())?.description;
      // Without an avcC the samples are Annex-B already (mediabunny's codec registry).
      const config = record && parseAvcDecoderConfig(bytesOf(record));
      const played = audio ? [video, audio] : [video];
      const firstS = await input.getFirstTimestamp(played);
      const started = performance.now();
      let frames = 0;
      let packets = 0;
      for (let offsetUs = 0;;) {
        const clock = { firstS, offsetUs, started };
        const ends = await Promise.all([
          this.#track(
            "video",
            new EncodedPacketSink(video),
            clock,
            defaultMaxAccessUnitBytes,
            (data, key, timeUs) => {
              sink.video(config ? annexBAccessUnit(data, config, key) : data, timeUs);
              frames++;
            },
          ),
          audio
            ? this.#track(
              "audio",
              new EncodedPacketSink(audio),
              clock,
              maxOpusPacketBytes,
              (data, _, timeUs) => {
                sink.audio(data, timeUs);
                packets++;
              },
            )
            : offsetUs,
        ]);
        if (this.#stopped) return "stopped";
        if (frames === 0) return `${this.#file} has no H.264 frames that could be read`;
        if (!this.#o.loop) {
          const sound = audio ? ` and ${packets} Opus packets` : "";
          return `${this.description} ended after ${frames} frames${sound}`;
        }
        offsetUs = Math.max(...ends);
      }
    } finally {
      input.dispose();
    }
  }

  /** Sends a track's packets at their times; returns the media time its last one ends. */
  async #track(
    kind: "video" | "audio",
    track: EncodedPacketSink,
    clock: { firstS: number; offsetUs: number; started: number },
    maxBytes: number,
    send: Send,
  ): Promise<number> {
    let endUs = clock.offsetUs;
    for await (const packet of track.packets()) {
      const timeUs = clock.offsetUs +
        Math.max(0, Math.round((packet.timestamp - clock.firstS) * 1e6));
      await this.#until(clock.started + timeUs / 1000);
      if (this.#stopped) break;
      endUs = Math.max(endUs, timeUs + Math.round(packet.duration * 1e6));
      if (packet.data.byteLength > maxBytes) {
        this.#skipped.skip(
          `a ${packet.data.byteLength}-byte ${kind} packet (bound ${maxBytes})`,
        );
        continue;
      }
      try {
        send(packet.data, packet.type === "key", timeUs);
      } catch (error) {
        this.#skipped.skip(`a ${kind} packet: ${oneLine(error)}`);
      }
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

function bytesOf(data: AllowSharedBufferSource): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}
