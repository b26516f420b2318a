/**
 * The small Matroska elements the reader holds whole and takes apart: the EBML header, Info,
 * Tracks (TrackEntry -> MkvTrack) and Tags (SimpleTag -> FragmentTag).
 */
import type { FragmentTag, MkvTrack } from "../fragments/fragment.ts";
import { EbmlId, TrackType } from "./ebml.ts";
import {
  type Child,
  MkvError,
  readBigUint,
  readChildren,
  readFloat,
  readString,
  readUint,
} from "./ebml-read.ts";

const first = (children: Child[], id: number) => children.find((c) => c.id === id);

/** The DocType of an EBML header; only Matroska and WebM are read. */
export function readEbmlHeader(data: Uint8Array): string {
  const docType = first(readChildren(data, EbmlId.ebml), EbmlId.docType);
  const name = docType ? readString(docType) : "matroska";
  if (name !== "matroska" && name !== "webm") {
    throw new MkvError(`the EBML DocType is '${name.slice(0, 40)}', not matroska or webm`);
  }
  return name;
}

/** Info's TimecodeScale in ns (Matroska's default 1,000,000: 1 ms). */
export function readTimecodeScaleNs(data: Uint8Array): number {
  const scale = first(readChildren(data, EbmlId.info), EbmlId.timecodeScale);
  const ns = scale ? readUint(scale) : 1_000_000;
  if (ns === 0) throw new MkvError("the TimecodeScale is 0");
  return ns;
}

const kinds = new Map<number, MkvTrack["kind"]>([
  [TrackType.video, "video"],
  [TrackType.audio, "audio"],
]);

function readTrackEntry(data: Uint8Array): MkvTrack {
  const children = readChildren(data, EbmlId.trackEntry);
  const number = first(children, EbmlId.trackNumber);
  if (!number) throw new MkvError("a TrackEntry has no TrackNumber");
  const track: MkvTrack = {
    number: readUint(number),
    uid: 0n,
    kind: "other",
    codecId: "",
  };
  if (track.number === 0) throw new MkvError("a TrackEntry has TrackNumber 0");
  track.uid = BigInt(track.number);
  for (const child of children) {
    switch (child.id) {
      case EbmlId.trackUid:
        track.uid = readBigUint(child);
        break;
      case EbmlId.trackType:
        track.kind = kinds.get(readUint(child)) ?? "other";
        break;
      case EbmlId.codecId:
        track.codecId = readString(child);
        break;
      case EbmlId.codecPrivate:
        track.codecPrivate = child.data.slice();
        break;
      case EbmlId.name:
        track.name = readString(child);
        break;
      case EbmlId.video: {
        const video = readChildren(child.data, EbmlId.video);
        const width = first(video, EbmlId.pixelWidth);
        const height = first(video, EbmlId.pixelHeight);
        track.video = { width: width ? readUint(width) : 0, height: height ? readUint(height) : 0 };
        break;
      }
      case EbmlId.audio: {
        const audio = readChildren(child.data, EbmlId.audio);
        const frequency = first(audio, EbmlId.samplingFrequency);
        const channels = first(audio, EbmlId.channels);
        const bitDepth = first(audio, EbmlId.bitDepth);
        track.audio = {
          samplingFrequency: frequency ? readFloat(frequency) : 8000,
          channels: channels ? readUint(channels) : 1,
          ...(bitDepth ? { bitDepth: readUint(bitDepth) } : {}),
        };
        break;
      }
    }
  }
  return track;
}

/** Every TrackEntry of a Tracks element; two with the same TrackNumber are refused. */
export function readTracks(data: Uint8Array): MkvTrack[] {
  const tracks = readChildren(data, EbmlId.tracks)
    .filter((c) => c.id === EbmlId.trackEntry)
    .map((c) => readTrackEntry(c.data));
  const numbers = new Set<number>();
  for (const track of tracks) {
    if (numbers.has(track.number)) {
      throw new MkvError(`two TrackEntries have TrackNumber ${track.number}`);
    }
    numbers.add(track.number);
  }
  return tracks;
}

/** The SimpleTags (name and string value) of every Tag of a Tags element, in order. */
export function readTags(data: Uint8Array): FragmentTag[] {
  const tags: FragmentTag[] = [];
  for (const tag of readChildren(data, EbmlId.tags)) {
    if (tag.id !== EbmlId.tag) continue;
    for (const simple of readChildren(tag.data, EbmlId.tag)) {
      if (simple.id !== EbmlId.simpleTag) continue;
      const parts = readChildren(simple.data, EbmlId.simpleTag);
      const name = first(parts, EbmlId.tagName);
      const value = first(parts, EbmlId.tagString);
      if (name) tags.push({ name: readString(name), value: value ? readString(value) : "" });
    }
  }
  return tags;
}
