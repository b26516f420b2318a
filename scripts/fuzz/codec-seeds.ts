/**
 * Seeds for the H.265 and VP8 targets: the unit tests' libx265 and libvpx streams, made with
 * ffmpeg by the first target that needs them (its `prepare`). Where ffmpeg cannot make them,
 * a small hand-made stream of the same shape stands in, so the targets still run.
 */
import { findNalUnits } from "../../core/h264/nal-unit.ts";
import { H265AccessUnitSplitter } from "../../core/h265/access-unit-splitter.ts";
import { H265VideoIngest } from "../../core/h265/video-ingest.ts";
import { planH265AccessUnit } from "../../core/rtp/h265-packetizer.ts";
import { parseRtpPacket, type RtpPacket } from "../../core/rtp/header.ts";
import { planVp8Frame } from "../../core/rtp/vp8-packetizer.ts";
import { ivfFileHeader, ivfFrameHeader, IvfReader } from "../../core/vp8/ivf.ts";
import { concatBytes } from "../../core/bytes/concat-bytes.ts";
import { codecStreamsMissing, h265Stream, vp8Ivf } from "../../tests/unit/support/codec-streams.ts";
import { packetizeWith } from "../../tests/unit/support/rtp-stream.ts";

export interface CodecSeeds {
  /** H.265 access units, parameter sets before every keyframe. */
  h265AccessUnits: Uint8Array[];
  /** The H.265 stream's VPS, SPS and PPS. */
  h265ParameterSets: { vps: Uint8Array; sps: Uint8Array; pps: Uint8Array };
  h265Packets: RtpPacket[];
  ivfFile: Uint8Array;
  vp8Packets: RtpPacket[];
}

let seeds: CodecSeeds | undefined;

/** The seeds; `prepareCodecSeeds` must have run. */
export function codecSeeds(): CodecSeeds {
  if (!seeds) throw new Error("codec seeds used before prepareCodecSeeds()");
  return seeds;
}

export function prepareCodecSeeds(): Promise<void> {
  if (seeds) return Promise.resolve();
  const real = codecStreamsMissing() === undefined;
  const h265 = real ? h265Stream() : handMadeH265();
  const ivfFile = real ? vp8Ivf() : handMadeIvf();
  const splitter = new H265AccessUnitSplitter();
  const ingest = new H265VideoIngest();
  const h265AccessUnits = [...splitter.push(h265), splitter.flush()!]
    .map((au, i) => ingest.frame(au, i).bytes).slice(0, 20);
  const [vps, sps, pps] = findNalUnits(h265).slice(0, 3)
    .map((n) => h265.subarray(n.offset, n.offset + n.length));
  const vp8Frames = new IvfReader().push(ivfFile).map((f) => f.data).slice(0, 20);
  const packets = (list: Uint8Array[], plan: Parameters<typeof packetizeWith>[1]) =>
    packetizeWith(list, plan).map((p) => parseRtpPacket(p.bytes));
  seeds = {
    h265AccessUnits,
    h265ParameterSets: { vps, sps, pps },
    h265Packets: packets(h265AccessUnits, (au) => planH265AccessUnit(au, findNalUnits(au), 500)),
    ivfFile,
    vp8Packets: packets(vp8Frames, (frame, i) => planVp8Frame(frame, i, 500)),
  };
  return Promise.resolve();
}

/** VPS, SPS, PPS and an IDR slice, then trailing pictures: the NAL unit types x265 writes. */
function handMadeH265(): Uint8Array {
  const nal = (
    type: number,
    size: number,
    first = 0x80,
  ) => [
    0,
    0,
    0,
    1,
    type << 1,
    1,
    first,
    ...Array.from({ length: size }, (_, i) => (i * 37) & 0xff),
  ];
  const picture = (i: number) => nal(i === 0 ? 19 : 1, i === 0 ? 3000 : 400);
  return new Uint8Array([
    ...nal(32, 20, 0x0c),
    ...nal(33, 40, 0x01),
    ...nal(34, 6, 0xc1),
    ...Array.from({ length: 10 }, (_, i) => picture(i)).flat(),
  ]);
}

/** An IVF file of one key frame and a few interframes. */
function handMadeIvf(): Uint8Array {
  const key = new Uint8Array([
    0x50,
    0x42,
    0x00,
    0x9d,
    0x01,
    0x2a,
    64,
    0,
    48,
    0,
    ...new Array(2000).fill(7),
  ]);
  const inter = new Uint8Array([0x31, 0x02, 0x00, ...new Array(300).fill(9)]);
  const frames = [key, inter, inter, inter];
  return concatBytes([
    ivfFileHeader({
      fourcc: "VP80",
      width: 64,
      height: 48,
      timebaseDenominator: 30,
      timebaseNumerator: 1,
      frameCount: frames.length,
    }),
    ...frames.flatMap((f, i) => [ivfFrameHeader(f.length, i), f]),
  ]);
}
