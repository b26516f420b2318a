/**
 * A viewer's --out directory: each complete access unit as frame-0001.h264, ... (Annex-B) and
 * each Opus packet as audio-0001.opus, ... beside them, numbered in arrival order.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class OutDir {
  readonly dir: string;
  #frames = 0;
  #audio = 0;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
  }

  writeFrame(accessUnit: Uint8Array): void {
    writeFileSync(
      join(this.dir, `frame-${String(++this.#frames).padStart(4, "0")}.h264`),
      accessUnit,
    );
  }

  writeAudio(packet: Uint8Array): void {
    writeFileSync(join(this.dir, `audio-${String(++this.#audio).padStart(4, "0")}.opus`), packet);
  }
}
