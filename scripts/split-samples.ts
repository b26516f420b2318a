/**
 * Splits the streams scripts/make-samples.sh encodes into the sample files, with the project's
 * own parsers: an Annex-B file into access units (frame-0001.h264 ...) and an Ogg Opus file
 * into packets without the OpusHead/OpusTags headers (sample-0001.opus ...).
 *   bun scripts/split-samples.ts VIDEO.h264 AUDIO.opus OUT_DIR
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { AccessUnitSplitter } from "../core/h264/access-unit-splitter.ts";
import { oggPackets } from "../core/opus/ogg-packets.ts";
import { isOpusHeaderPacket } from "../core/opus/opus-packet.ts";

const [video, audio, outDir] = process.argv.slice(2);
if (!outDir) throw new Error("usage: split-samples.ts VIDEO.h264 AUDIO.opus OUT_DIR");

const name = (prefix: string, n: number, ext: string) =>
  join(outDir, `${prefix}-${String(n).padStart(4, "0")}.${ext}`);

const splitter = new AccessUnitSplitter();
const accessUnits = splitter.push(readFileSync(video));
const last = splitter.flush();
if (last) accessUnits.push(last);
accessUnits.forEach((au, i) => writeFileSync(name("frame", i + 1, "h264"), au));

let packets = 0;
for (const packet of oggPackets(readFileSync(audio))) {
  if (isOpusHeaderPacket(packet.data)) continue;
  writeFileSync(name("sample", ++packets, "opus"), packet.data);
}
console.log(`${accessUnits.length} access units, ${packets} Opus packets in ${outDir}`);
