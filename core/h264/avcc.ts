/**
 * H.264 as MP4 and Matroska store it (ISO/IEC 14496-15): each sample is NAL units with a 1, 2 or
 * 4 byte big-endian length before each, and the SPS and PPS live once in the track's
 * AVCDecoderConfigurationRecord ("avcC"). Converted here to Annex-B access units, the form every
 * other part of kvsrtc takes, with the parameter sets put before each keyframe so a viewer can
 * start at any of them.
 */
import { NalType, nalType } from "./nal-unit.ts";

export interface AvcDecoderConfig {
  /** Bytes in each NAL unit's length prefix: 1, 2 or 4. */
  lengthSize: number;
  /** The SPS and PPS NAL units, in the record's order (SPS first). */
  parameterSets: Uint8Array[];
}

const startCode = [0, 0, 0, 1];

/** Parses an avcC record; throws a one-line error on a malformed one. */
export function parseAvcDecoderConfig(record: Uint8Array): AvcDecoderConfig {
  const fail = (what: string): never => {
    throw new Error(`malformed H.264 decoder configuration (avcC): ${what}`);
  };
  if (record.length < 7) fail(`${record.length} bytes`);
  if (record[0] !== 1) fail(`version ${record[0]}`);
  const lengthSize = (record[4] & 0x03) + 1;
  if (lengthSize === 3) fail("3-byte NAL unit lengths");
  const parameterSets: Uint8Array[] = [];
  let at = 5;
  // Two lists: up to 31 SPS (count in the low 5 bits), then up to 255 PPS.
  for (const countMask of [0x1f, 0xff]) {
    if (at >= record.length) fail("it ends before its parameter set count");
    const count = record[at++] & countMask;
    for (let i = 0; i < count; i++) {
      if (at + 2 > record.length) fail("it ends inside a parameter set length");
      const length = (record[at] << 8) | record[at + 1];
      at += 2;
      if (length === 0 || at + length > record.length) fail("a parameter set overruns it");
      parameterSets.push(record.subarray(at, at + length));
      at += length;
    }
  }
  if (!parameterSets.some((p) => nalType(p[0]) === NalType.sps)) fail("it has no SPS");
  return { lengthSize, parameterSets };
}

/** The NAL units of one length-prefixed sample, as views into it; throws if a length overruns. */
export function lengthPrefixedNalUnits(sample: Uint8Array, lengthSize: number): Uint8Array[] {
  const units: Uint8Array[] = [];
  let at = 0;
  while (at < sample.length) {
    if (at + lengthSize > sample.length) {
      throw new Error(`an H.264 sample ends inside a NAL unit length (at byte ${at})`);
    }
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + sample[at + i];
    at += lengthSize;
    if (at + length > sample.length) {
      throw new Error(
        `an H.264 sample's NAL unit of ${length} bytes overruns it (${sample.length - at} left)`,
      );
    }
    if (length > 0) units.push(sample.subarray(at, at + length));
    at += length;
  }
  return units;
}

/**
 * One length-prefixed sample as an Annex-B access unit (a new buffer). A keyframe gets the
 * record's SPS and PPS first, unless the sample carries its own.
 */
export function annexBAccessUnit(
  sample: Uint8Array,
  config: AvcDecoderConfig,
  keyframe: boolean,
): Uint8Array {
  const units = lengthPrefixedNalUnits(sample, config.lengthSize);
  if (units.length === 0) throw new Error("an H.264 sample without NAL units");
  const carriesSps = units.some((u) => nalType(u[0]) === NalType.sps);
  const all = keyframe && !carriesSps ? [...config.parameterSets, ...units] : units;
  const out = new Uint8Array(all.reduce((n, u) => n + startCode.length + u.length, 0));
  let at = 0;
  for (const unit of all) {
    out.set(startCode, at);
    out.set(unit, at + startCode.length);
    at += startCode.length + unit.length;
  }
  return out;
}

/**
 * An avcC record for one SPS and one PPS with 4-byte lengths, as the KVS producers write it
 * into CodecPrivate (spec §6.3). The High-profile extension fields are optional in practice
 * (decoders take the chroma format and bit depths from the SPS) and are left out, as producer-c does.
 */
export function avcDecoderConfigurationRecord(sps: Uint8Array, pps: Uint8Array): Uint8Array {
  if (sps.length < 4 || nalType(sps[0]) !== NalType.sps) {
    throw new Error("an avcC record needs an SPS NAL unit");
  }
  if (pps.length === 0 || nalType(pps[0]) !== NalType.pps) {
    throw new Error("an avcC record needs a PPS NAL unit");
  }
  const out = new Uint8Array(11 + sps.length + pps.length);
  out.set([1, sps[1], sps[2], sps[3], 0xff, 0xe1, sps.length >> 8, sps.length & 0xff]);
  out.set(sps, 8);
  const at = 8 + sps.length;
  out.set([1, pps.length >> 8, pps.length & 0xff], at);
  out.set(pps, at + 3);
  return out;
}
